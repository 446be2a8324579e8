// How large and how deep a parsed JSON value is, measured without recursion
// and without walking further than the caller's bounds. Used to keep values
// that the server builds from client input (a JSON patch that copies a
// subtree into itself) within the limits a request body is held to.
// Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

namespace kiln {

struct JsonExtent {
  // Approximate length of the compact serialization (strings and keys count
  // their UTF-8 bytes plus quotes, numbers 8, literals 5, separators 1).
  size_t bytes = 0;
  // Levels of nested arrays and objects: 0 for a scalar, 1 for [] or {},
  // 2 for [[]]; the same count ParseJson's kMaxJsonDepth bounds.
  int depth = 0;
};

// Measures `value`, stopping early once bytes > max_bytes or
// depth > max_depth; then the result is over that bound (not exact).
JsonExtent MeasureJson(const nlohmann::json& value, size_t max_bytes,
                       int max_depth);

}  // namespace kiln
