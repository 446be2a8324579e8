// YAML -> JSON half of the YAML codec (yaml_codec.h): drives yaml-cpp's
// parser into YamlEventConverter. JsonToYaml lives in json_to_yaml.cc.
#include "api_types/yaml_codec.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_types/json_reader.h"
#include "api_types/utf8.h"
#include "api_types/yaml_event_converter.h"

namespace kiln {

StatusOr<std::vector<YamlDocument>> ParseYamlDocuments(std::string_view text) {
  // yaml-cpp and the converter report errors by throwing; they stop here.
  yaml_internal::YamlEventConverter converter;
  const auto in_document = [&](Status status) {
    const int index = converter.document_index();
    return index > 1 ? status.WithPrefix("document " + std::to_string(index))
                     : status;
  };
  try {
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    while (parser.HandleNextDocument(converter)) {
    }
  } catch (const yaml_internal::YamlAbort& abort) {
    return in_document(abort.status);
  } catch (const YAML::DeepRecursion& e) {
    return in_document(yaml_internal::YamlErrorAt(e.mark, "nesting too deep"));
  } catch (const YAML::Exception& e) {
    return in_document(
        yaml_internal::YamlErrorAt(e.mark, SanitizeForMessage(e.msg, 256)));
  } catch (const nlohmann::json::exception& e) {
    return in_document(
        InvalidArgumentError("yaml: " + SanitizeForMessage(e.what(), 256)));
  } catch (const std::exception& e) {  // e.g. std::bad_alloc
    return in_document(
        InvalidArgumentError("yaml: " + SanitizeForMessage(e.what(), 256)));
  }
  return std::move(converter).Release();
}

StatusOr<std::vector<nlohmann::json>> YamlDocumentsToJson(
    std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<YamlDocument> docs, ParseYamlDocuments(text));
  std::vector<nlohmann::json> out;
  out.reserve(docs.size());
  for (YamlDocument& doc : docs) out.push_back(std::move(doc.json));
  return out;
}

StatusOr<YamlDocument> ParseYamlDocument(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<YamlDocument> docs, ParseYamlDocuments(text));
  if (docs.size() != 1) {
    return InvalidArgumentError("yaml: expected exactly one document, got " +
                                std::to_string(docs.size()));
  }
  return std::move(docs[0]);
}

std::optional<SourcePosition> FindPosition(const YamlDocument& doc,
                                           std::string_view field) {
  std::string path(field);
  while (true) {
    if (const auto it = doc.positions.find(path); it != doc.positions.end()) {
      return it->second;
    }
    if (path.empty()) return std::nullopt;
    if (path.back() == ']') {
      const size_t open = path.rfind('[');
      if (open == std::string::npos) return std::nullopt;
      const std::string key = path.substr(open + 1, path.size() - open - 2);
      path.resize(open);
      // A map entry "labels[a.b]" was recorded as the key "labels.a.b".
      const auto it = doc.positions.find(JoinPath(path, key));
      if (it != doc.positions.end()) return it->second;
      continue;
    }
    const size_t dot = path.rfind('.');
    path.resize(dot == std::string::npos ? 0 : dot);
  }
}

void AddPositions(const YamlDocument& doc, std::vector<FieldError>* errors) {
  for (FieldError& error : *errors) {
    if (error.field.empty()) continue;  // the whole document, or a summary
    if (const std::optional<SourcePosition> pos =
            FindPosition(doc, error.field)) {
      error.message += " (line " + std::to_string(pos->line) + ", column " +
                       std::to_string(pos->column) + ")";
    }
  }
}

}  // namespace kiln
