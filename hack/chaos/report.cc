#include "hack/chaos/report.h"

#include <iostream>

namespace kiln::chaos {

void Report::Ran(std::string_view, size_t times) { checks_ += times; }

void Report::Violation(std::string_view check, const std::string& detail) {
  ++checks_;
  ++violations_;
  std::cout << "VIOLATION " << check << ": " << detail << std::endl;
}

void Report::Note(const std::string& line) const {
  std::cerr << "chaos_check: " << line << std::endl;
}

}  // namespace kiln::chaos
