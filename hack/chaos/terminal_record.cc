#include "hack/chaos/terminal_record.h"

#include <nlohmann/json.hpp>

#include "controller/base/files.h"

namespace kiln::chaos {

bool IsTerminalPhase(const std::string& phase) {
  return phase == "Ready" || phase == "Failed" || phase == "Cancelled";
}

StatusOr<TerminalRecord> TerminalRecord::Load(const std::string& path) {
  TerminalRecord record;
  record.path_ = path;
  const std::string text = ReadFileOrEmpty(path);
  if (text.empty()) return record;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return InternalError(path + " does not decode");
  for (const auto& [uid, e] : j.items()) {
    record.entries_[uid] =
        Entry{e.value("name", ""), e.value("phase", ""),
              e.value("rv", int64_t{0}), e.value("where", "")};
  }
  return record;
}

Status TerminalRecord::Save() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [uid, e] : entries_) {
    j[uid] = {
        {"name", e.name}, {"phase", e.phase}, {"rv", e.rv}, {"where", e.where}};
  }
  return WriteFileAtomically(path_, j.dump(1) + "\n", 0644);
}

std::string TerminalRecord::Observe(const std::string& uid,
                                    const std::string& name,
                                    const std::string& phase, int64_t rv,
                                    const std::string& where) {
  auto it = entries_.find(uid);
  if (it == entries_.end()) {
    if (IsTerminalPhase(phase)) entries_[uid] = Entry{name, phase, rv, where};
    return "";
  }
  Entry& first = it->second;
  const std::string seen = "first " + first.phase + " at rv " +
                           std::to_string(first.rv) + " (" + first.where +
                           "), then " + (phase.empty() ? "no phase" : phase) +
                           " at rv " + std::to_string(rv) + " (" + where + ")";
  if (IsTerminalPhase(phase) && phase != first.phase) {
    return "build " + name + " uid " + uid + " changed terminal phase: " + seen;
  }
  if (!IsTerminalPhase(phase) && rv > first.rv) {
    return "build " + name + " uid " + uid +
           " left its terminal phase: " + seen;
  }
  if (IsTerminalPhase(phase) && rv < first.rv) {
    first.rv = rv;
    first.where = where;
  }
  return "";
}

}  // namespace kiln::chaos
