// The checker's verdict: how many checks ran and one line per violation,
//   VIOLATION <check>: <detail>
// on stdout, so a run's violations can be grepped and counted. Notes go to
// stderr. Not thread-safe: used from the checker's one thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kiln::chaos {

class Report {
 public:
  // One evaluation of `check` (e.g. one Build checked for existence).
  void Ran(std::string_view check, size_t times = 1);
  // Prints the violation line and counts it (and counts a check run).
  void Violation(std::string_view check, const std::string& detail);
  // Informational line on stderr ("chaos_check: ...").
  void Note(const std::string& line) const;

  size_t checks() const { return checks_; }
  size_t violations() const { return violations_; }

 private:
  size_t checks_ = 0;
  size_t violations_ = 0;
};

}  // namespace kiln::chaos
