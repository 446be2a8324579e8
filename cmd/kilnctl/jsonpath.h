// kubectl's JSONPath output (-o jsonpath='{.status.phase}'), the subset
// people use: text with {expressions}; an expression is a path from the
// current object — `.field`, `['field']`, `[N]` (negative counts from the
// end), `[*]` / `.*` (every element or value), `..field` (recursive
// descent) — optionally starting with `$` or `@`; `{range PATH}…{end}`
// repeats its body for every match, with `@` = the match; `{"text"}` is a
// literal with \n, \t, \\ and \" escapes. Several matches print separated by
// a space; strings print raw, other values as compact JSON. Filters
// (`[?(...)]`) and slices are refused with InvalidArgument.
//
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"

namespace kiln::kilnctl {

class JsonPath {
 public:
  // InvalidArgument (with the offending position) for a template that does
  // not parse.
  static StatusOr<JsonPath> Parse(std::string_view text);

  // Renders the template for `root`. NotFound naming the path when a
  // path in the template matches nothing (kubectl: "... is not found"),
  // unless `allow_missing`.
  StatusOr<std::string> Render(const nlohmann::json& root,
                               bool allow_missing = false) const;

  // Every value the template's first expression matches, for
  // `kilnctl wait --for=jsonpath=...`. Empty when it matches nothing.
  std::vector<nlohmann::json> Values(const nlohmann::json& root) const;

  struct Step {
    enum Kind { kField, kIndex, kAll, kRecursive } kind = kField;
    std::string name;
    long index = 0;
  };
  struct Node {
    enum Kind { kText, kPath, kRange, kEnd } kind = kText;
    std::string text;        // kText
    std::vector<Step> path;  // kPath, kRange
    std::string source;      // the expression as written
  };

 private:
  std::vector<Node> nodes_;
};

}  // namespace kiln::kilnctl
