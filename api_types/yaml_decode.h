// Strict decoding of API objects from YAML text: YAML -> JSON (yaml_codec.h)
// -> a strict JSON decoder, with every field error located in the text:
//   "spec.resourcse: unknown field (line 7, column 3)"
//   "document 2: spec.resources.cpus: expected integer, got string (line 12,
//    column 11)"
// `Decoder` is any of the JSON decoders: StatusOr<T>(const nlohmann::json&,
// const DecodeOptions&, std::vector<FieldError>*), e.g. BuildFromJson.
// Never throws. Thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_types/decode_options.h"
#include "api_types/field_error.h"
#include "api_types/status.h"
#include "api_types/yaml_codec.h"

namespace kiln {

// Decodes one parsed document; field error messages get "(line L, column C)".
// `errors`, when not null, receives the located field errors.
template <typename T, typename Decoder>
StatusOr<T> DecodeYamlDocument(const YamlDocument& doc, Decoder&& decode,
                               const DecodeOptions& options,
                               std::vector<FieldError>* errors = nullptr) {
  std::vector<FieldError> list;
  StatusOr<T> result = decode(doc.json, options, &list);
  if (!result.ok() && !list.empty()) {
    AddPositions(doc, &list);
    result = FieldErrorsToStatus(list);
  }
  if (errors != nullptr) *errors = std::move(list);
  return result;
}

// Exactly one non-empty document. Errors: InvalidArgument for YAML errors
// ("yaml: line L, column C: ..."), for zero or several documents, and for
// located field errors.
template <typename T, typename Decoder>
StatusOr<T> DecodeYamlObject(std::string_view text, Decoder&& decode,
                             const DecodeOptions& options,
                             std::vector<FieldError>* errors = nullptr) {
  if (errors != nullptr) errors->clear();
  ASSIGN_OR_RETURN(YamlDocument doc, ParseYamlDocument(text));
  return DecodeYamlDocument<T>(doc, decode, options, errors);
}

// Every non-empty document of a stream, in order. All documents are decoded;
// the errors of each failing one are reported together, each group prefixed
// with "document N: " (N counts empty documents too) and joined by "; ".
template <typename T, typename Decoder>
StatusOr<std::vector<T>> DecodeYamlObjects(std::string_view text,
                                           Decoder&& decode,
                                           const DecodeOptions& options) {
  ASSIGN_OR_RETURN(std::vector<YamlDocument> docs, ParseYamlDocuments(text));
  std::vector<T> out;
  std::string failures;
  for (const YamlDocument& doc : docs) {
    StatusOr<T> result = DecodeYamlDocument<T>(doc, decode, options);
    if (result.ok()) {
      out.push_back(std::move(result).value());
      continue;
    }
    if (!failures.empty()) failures += "; ";
    failures += "document " + std::to_string(doc.index) + ": " +
                result.status().message();
  }
  if (!failures.empty()) return InvalidArgumentError(std::move(failures));
  return out;
}

}  // namespace kiln
