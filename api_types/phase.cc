#include "api_types/phase.h"

namespace kiln {

std::string_view PhaseName(BuildPhase phase) {
  switch (phase) {
    case BuildPhase::kUnset:
      return "";
    case BuildPhase::kPending:
      return "Pending";
    case BuildPhase::kBuilding:
      return "Building";
    case BuildPhase::kPushing:
      return "Pushing";
    case BuildPhase::kReady:
      return "Ready";
    case BuildPhase::kFailed:
      return "Failed";
    case BuildPhase::kCancelled:
      return "Cancelled";
  }
  return "";
}

std::optional<BuildPhase> ParsePhase(std::string_view name) {
  static constexpr BuildPhase kAll[] = {
      BuildPhase::kUnset,     BuildPhase::kPending, BuildPhase::kBuilding,
      BuildPhase::kPushing,   BuildPhase::kReady,   BuildPhase::kFailed,
      BuildPhase::kCancelled,
  };
  for (BuildPhase phase : kAll) {
    if (PhaseName(phase) == name) return phase;
  }
  // Data written before the Pending rename (docs/api.md "Decoding: strict,
  // every error at once").
  if (name == "queued" || name == "Queued") return BuildPhase::kPending;
  return std::nullopt;
}

bool IsTerminal(BuildPhase phase) {
  return phase == BuildPhase::kReady || phase == BuildPhase::kFailed ||
         phase == BuildPhase::kCancelled;
}

bool IsLegalTransition(BuildPhase from, BuildPhase to) {
  if (from == to) return true;
  switch (from) {
    case BuildPhase::kUnset:
      return to == BuildPhase::kPending;
    case BuildPhase::kPending:
      return to == BuildPhase::kBuilding || to == BuildPhase::kFailed ||
             to == BuildPhase::kCancelled;
    case BuildPhase::kBuilding:
      return to == BuildPhase::kPushing || to == BuildPhase::kReady ||
             to == BuildPhase::kFailed || to == BuildPhase::kCancelled;
    case BuildPhase::kPushing:
      return to == BuildPhase::kReady || to == BuildPhase::kFailed ||
             to == BuildPhase::kCancelled;
    case BuildPhase::kReady:
    case BuildPhase::kFailed:
    case BuildPhase::kCancelled:
      return false;
  }
  return false;
}

}  // namespace kiln
