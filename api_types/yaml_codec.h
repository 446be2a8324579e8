// YAML <-> JSON for API objects. YAML is read into nlohmann::json and then
// decoded by the strict JSON decoders; JSON is written back as block YAML.
//
// Reading: yaml-cpp 0.7's event parser; plain scalars are typed by the YAML 1.2
// core schema (yaml_scalar.h), quoted and block scalars are strings, the tags
// !!str/!!int/!!float/!!bool/!!null/!!map/!!seq are honoured and any other
// tag is an error. Mapping keys must be scalars and unique. Aliases are
// expanded, within kMaxYamlNodes nodes, kMaxYamlDepth levels and
// kMaxYamlExpandedBytes bytes of scalar text (billion-laughs guard). Every
// error is InvalidArgument "yaml: line L, column C: ..." (1-based); no
// exception escapes. Thread-compatible; no global state.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/field_error.h"
#include "api_types/status.h"

namespace kiln {

inline constexpr size_t kMaxYamlNodes = 100000;
inline constexpr int kMaxYamlDepth = 100;
inline constexpr size_t kMaxYamlExpandedBytes = 64 << 20;

// A 1-based position in YAML text.
struct SourcePosition {
  int line = 0;
  int column = 0;
  friend bool operator==(const SourcePosition&,
                         const SourcePosition&) = default;
};

// One non-empty document of a YAML stream.
struct YamlDocument {
  // 1-based position in the stream, counting empty documents.
  int index = 0;
  nlohmann::json json;
  // Where each field starts, keyed by its path in the json_reader.h spelling
  // ("" = the document, "spec.resources.cpus", "status.conditions[1]"); for
  // a mapping entry this is the position of its key. Content copied in by an
  // alias has no entries of its own (FindPosition finds the alias).
  std::map<std::string, SourcePosition> positions;
};

// Parses a multi-document stream ("---" separated). Empty documents (no
// content, or a bare null) are skipped. An error inside the second or a later
// document names it: "document 2: yaml: line 9, column 3: ...". Line numbers
// count from the start of the stream, like all positions here.
StatusOr<std::vector<YamlDocument>> ParseYamlDocuments(std::string_view text);

// As ParseYamlDocuments, without positions.
StatusOr<std::vector<nlohmann::json>> YamlDocumentsToJson(
    std::string_view text);

// Exactly one non-empty document. Errors as above, plus InvalidArgument when
// the stream holds no document or more than one.
StatusOr<YamlDocument> ParseYamlDocument(std::string_view text);

// Block-style YAML (2-space indent, kubectl-style "- " lists) that
// ParseYamlDocuments reads back as a value equal to `value`: strings that
// would read as another type ("1.2", "true", "0755", "null") are quoted,
// multi-line strings use literal blocks ("|", "|-", "|+"). Ends with "\n".
// Errors: InvalidArgument for strings that are not valid UTF-8, binary
// values and nesting deeper than kMaxYamlDepth.
StatusOr<std::string> JsonToYaml(const nlohmann::json& value);

// Where `field` (a FieldError path) is in `doc`: the field itself, else the
// nearest enclosing field that has a position. "metadata.labels[a.b]" also
// finds the key "a.b" of "metadata.labels".
std::optional<SourcePosition> FindPosition(const YamlDocument& doc,
                                           std::string_view field);

// Appends " (line L, column C)" to the message of every error with a
// non-empty field that has a position in `doc`.
void AddPositions(const YamlDocument& doc, std::vector<FieldError>* errors);

}  // namespace kiln
