// Kubernetes label selectors (equality- and set-based), as in
// `kubectl get -l 'team=web,tier in (a,b),!legacy'`. Thread-compatible.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"

namespace kiln {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string>
        values;  // sorted; one value for kEquals/kNotEquals
    friend bool operator==(const Requirement&, const Requirement&) = default;
  };

  // The empty selector: matches everything.
  LabelSelector() = default;

  // Parses the Kubernetes selector syntax. Errors: InvalidArgument naming the
  // offending requirement and why.
  static StatusOr<LabelSelector> Parse(std::string_view text);

  bool Empty() const { return requirements_.empty(); }
  bool Matches(const std::map<std::string, std::string>& labels) const;
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // Canonical text form; Parse(ToString()) gives an equal selector.
  std::string ToString() const;

  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace kiln
