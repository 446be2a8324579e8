#include "cmd/kiln-agent/build_output.h"

#include <cctype>
#include <charconv>

namespace kiln {
namespace {

// Parses "<a>/<b>" at the start of `s`; advances `s` past it.
bool ParseFraction(std::string_view& s, int* a, int* b) {
  const char* end = s.data() + s.size();
  auto r1 = std::from_chars(s.data(), end, *a);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != '/') return false;
  auto r2 = std::from_chars(r1.ptr + 1, end, *b);
  if (r2.ec != std::errc()) return false;
  s.remove_prefix(static_cast<size_t>(r2.ptr - s.data()));
  return true;
}

bool ConsumePrefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

std::string FirstWord(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return std::string(s.substr(0, s.find(' ')));
}

bool IsHex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::optional<StepLine> ParseStepLine(std::string_view line) {
  StepLine out;
  int stages = 0;
  if (ConsumePrefix(line, "[")) {
    if (!ParseFraction(line, &out.stage, &stages) ||
        !ConsumePrefix(line, "] ")) {
      return std::nullopt;
    }
  }
  if (!ConsumePrefix(line, "STEP ") ||
      !ParseFraction(line, &out.step, &out.steps) ||
      !ConsumePrefix(line, ": ")) {
    return std::nullopt;
  }
  out.instruction = std::string(line);
  return out;
}

bool BuildOutput::Add(std::string_view line) {
  if (!line.empty()) last_line_ = std::string(line);
  if (line.substr(0, 5) == "Error" || line.substr(0, 5) == "error") {
    last_error_line_ = std::string(line);
  }
  if (line.substr(0, 4) == "--> " && !stages_.empty()) {
    std::string_view id = line.substr(4);
    ConsumePrefix(id, "Using cache ");
    if (IsHex(id)) stages_.back().ids.emplace_back(id);
    return false;
  }
  std::optional<StepLine> step = ParseStepLine(line);
  if (!step) return false;
  last_step_ = std::string(line);
  std::string_view instruction = step->instruction;
  if (step->step == 1 && (ConsumePrefix(instruction, "FROM ") ||
                          ConsumePrefix(instruction, "from "))) {
    stages_.push_back(Stage{step->stage, FirstWord(instruction), {}});
  }
  return true;
}

std::string BuildOutput::last_error() const {
  return last_error_line_.empty() ? last_line_ : last_error_line_;
}

const BuildOutput::Stage* BuildOutput::StageProducing(
    const std::string& image_id) const {
  for (const Stage& stage : stages_) {
    for (const std::string& id : stage.ids) {
      if (image_id.rfind(id, 0) == 0 || id.rfind(image_id, 0) == 0) {
        return &stage;
      }
    }
  }
  return nullptr;
}

std::string BuildOutput::FinalBaseImage() const {
  if (stages_.empty()) return "";
  const Stage* stage = &stages_.back();
  // Each hop goes to an earlier stage, so this ends.
  for (size_t hops = 0; hops <= stages_.size(); ++hops) {
    if (stage->from == "scratch") return "";
    if (!IsHex(stage->from) || stage->from.size() != 64) return stage->from;
    const Stage* earlier = StageProducing(stage->from);
    if (earlier == nullptr || earlier == stage) return "";
    stage = earlier;
  }
  return "";
}

}  // namespace kiln
