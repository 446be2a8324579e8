// YAML scalar typing for the YAML codec: YAML 1.2 core-schema resolution of
// plain scalars, and the inverse question "may this string be written
// unquoted?". Pure functions: thread-safe; never throw.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kiln {

// Resolves a plain (unquoted) scalar by the YAML 1.2 core schema:
//   null, Null, NULL, ~, ""                       -> null
//   true/True/TRUE, false/False/FALSE             -> boolean
//   [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+         -> integer (a double when
//                                                    out of 64-bit range)
//   [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, [-+]?.inf, .nan
//                                                 -> number (double)
//   anything else                                 -> string
// So "0755" is the integer 755 (YAML 1.1 would say octal 493) and "yes" is a
// string.
nlohmann::json ResolvePlainScalar(std::string_view text);

// True when `text` written as a plain scalar reads back as the same string,
// both under YAML 1.2 and under YAML 1.1 readers (so "yes", "0755", "1_000",
// "1:20" and "2026-11-28" are quoted too), and in any block context.
bool CanWritePlain(std::string_view text);

// `text` as a YAML double-quoted scalar, escaping '"', '\\', control
// characters and the Unicode line separators. REQUIRES: valid UTF-8.
std::string DoubleQuoted(std::string_view text);

}  // namespace kiln
