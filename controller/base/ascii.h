// ASCII case-insensitive comparison, for protocol tokens such as HTTP
// authentication schemes ("Bearer", "basic"). The one home for it in Kiln.
// Pure functions: thread-safe.
#pragma once

#include <algorithm>
#include <cctype>
#include <string_view>

namespace kiln {

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

inline bool StartsWithIgnoreCase(std::string_view text,
                                 std::string_view prefix) {
  return text.size() >= prefix.size() &&
         EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace kiln
