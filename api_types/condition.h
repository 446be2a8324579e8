// metav1.Condition: one observed aspect of an object's state, keyed by type.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api_types/time.h"

namespace kiln {

enum class ConditionStatus { kTrue, kFalse, kUnknown };

struct Condition {
  std::string type;  // e.g. "Ready"
  ConditionStatus status = ConditionStatus::kUnknown;
  std::string reason;
  std::string message;
  std::optional<Timestamp> last_transition_time;

  friend bool operator==(const Condition&, const Condition&) = default;
};

// Returns the condition of `type`, or nullptr.
const Condition* FindCondition(const std::vector<Condition>& conditions,
                               const std::string& type);

// Inserts or replaces the condition keyed by `c.type`. last_transition_time
// is kept from the old entry when the status did not change, else set to
// `now` (unless `c` already carries one).
void SetCondition(std::vector<Condition>& conditions, Condition c,
                  Timestamp now);

}  // namespace kiln
