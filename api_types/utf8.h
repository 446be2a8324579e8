// UTF-8 checks used by the codecs so that no invalid byte sequence reaches an
// API object or an error message (nlohmann::json::dump throws on them).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kiln {

// Returns the offset of the first byte that does not start a well-formed
// UTF-8 sequence (overlongs, surrogates and code points above U+10FFFF are
// ill-formed), or std::string_view::npos when `text` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) {
  return FindInvalidUtf8(text) == std::string_view::npos;
}

// Returns `text` made safe for an error message: ill-formed bytes become
// U+FFFD and anything past `max_bytes` is cut and marked with "...".
std::string SanitizeForMessage(std::string_view text, size_t max_bytes = 128);

}  // namespace kiln
