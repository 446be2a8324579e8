#include "controller/vm/ctl_lines.h"

#include <charconv>
#include <string>

namespace kiln {
namespace {

// The JSON after "word " on a line, decoded with `decode`; nullopt when it
// does not parse or decode.
template <typename T, typename Decode>
std::optional<T> DecodeJson(std::string_view text, Decode decode) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  StatusOr<T> value = decode(j);
  if (!value.ok()) return std::nullopt;
  return std::move(*value);
}

// The value of "key=value" among the space-separated fields of `fields`.
std::optional<std::string_view> Field(std::string_view fields,
                                      std::string_view key) {
  size_t pos = 0;
  while (pos < fields.size()) {
    size_t end = fields.find(' ', pos);
    if (end == std::string_view::npos) end = fields.size();
    std::string_view field = fields.substr(pos, end - pos);
    if (field.size() > key.size() && field.substr(0, key.size()) == key &&
        field[key.size()] == '=') {
      return field.substr(key.size() + 1);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<double> ParseDouble(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  try {
    size_t used = 0;
    double value = std::stod(std::string(*text), &used);
    if (used != text->size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {  // std::invalid_argument, out_of_range
    return std::nullopt;
  }
}

std::optional<int> ParseInt(std::optional<std::string_view> text) {
  if (!text) return std::nullopt;
  int value = 0;
  auto [end, ec] =
      std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return std::nullopt;
  }
  return value;
}

void ApplyLine(std::string_view line, CtlState& state) {
  const size_t space = line.find(' ');
  const std::string_view word = line.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? "" : line.substr(space + 1);
  if (word == "agent-start") {
    state.agent_started = true;
    state.agent_start_uptime = ParseDouble(Field(rest, "uptime"));
  } else if (word == "progress") {
    if (auto p = DecodeJson<AgentProgress>(rest, AgentProgressFromJson)) {
      state.progress = std::move(*p);
    }
  } else if (word == "cancel") {
    state.cancel_received = true;
  } else if (word == "result") {
    if (auto r = DecodeJson<AgentResult>(rest, AgentResultFromJson)) {
      state.result = std::move(*r);
    }
  } else if (word == "agent-exit") {
    state.agent_exit_code = ParseInt(Field(rest, "rc"));
  }
}

}  // namespace

CtlState ParseCtlLines(std::string_view text) {
  CtlState state;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) break;  // still being written
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ApplyLine(line, state);
    pos = end + 1;
  }
  return state;
}

GuestExit DescribeGuestExit(const CtlState& ctl, std::string_view console,
                            const std::string& qemu_exit) {
  GuestExit exit;
  const size_t oom = console.find("Out of memory: Killed process");
  exit.oom_killed = oom != std::string_view::npos;
  const size_t panic = console.find("Kernel panic");
  if (exit.oom_killed &&
      console.find("(kiln-agent)", oom) != std::string_view::npos) {
    exit.reason =
        "out of memory in the guest (the kernel killed kiln-agent; raise "
        "resources.memoryMiB)";
  } else if (panic != std::string_view::npos) {
    const size_t end = console.find('\n', panic);
    std::string line(console.substr(panic, end == std::string_view::npos
                                               ? std::string_view::npos
                                               : end - panic));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    exit.reason = "guest kernel panic: " + line;
  } else if (!ctl.agent_started) {
    exit.reason = "no agent-start: guest did not boot (QEMU " + qemu_exit +
                  "; see console.log)";
  } else if (ctl.agent_exit_code) {
    exit.reason = "kiln-agent exited with code " +
                  std::to_string(*ctl.agent_exit_code) + " without a result";
    if (exit.oom_killed) exit.reason += " (out of memory in the guest)";
  } else {
    exit.reason =
        "the guest stopped before kiln-agent finished (QEMU " + qemu_exit + ")";
  }
  return exit;
}

}  // namespace kiln
