#include "api_types/condition.h"

#include <string>
#include <utility>
#include <vector>

namespace kiln {

const Condition* FindCondition(const std::vector<Condition>& conditions,
                               const std::string& type) {
  for (const Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void SetCondition(std::vector<Condition>& conditions, Condition c,
                  Timestamp now) {
  for (Condition& existing : conditions) {
    if (existing.type != c.type) continue;
    if (existing.status == c.status && existing.last_transition_time) {
      c.last_transition_time = existing.last_transition_time;
    } else if (!c.last_transition_time) {
      c.last_transition_time = now;
    }
    existing = std::move(c);
    return;
  }
  if (!c.last_transition_time) c.last_transition_time = now;
  conditions.push_back(std::move(c));
}

}  // namespace kiln
