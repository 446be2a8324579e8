// Internal to the YAML codec: turns yaml-cpp parser events into YamlDocuments
// (nlohmann::json plus field positions).
//
// Events, not YAML::LoadAll: LoadAll has no way to stop yaml-cpp 0.7, which
// on inputs as small as "'',"  emits empty documents forever and exhausts
// memory. Here every document must start further into the text than the one
// before, and each is capped at kMaxYamlNodes nodes, kMaxYamlDepth levels and
// kMaxYamlExpandedBytes bytes of scalar text including alias expansions.
//
// Errors are reported by throwing YamlAbort from an event callback; the only
// caller, ParseYamlDocuments, catches it together with YAML::Exception.
// Single-use; not thread-safe.
#pragma once

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_types/status.h"
#include "api_types/yaml_codec.h"

namespace kiln::yaml_internal {

// Thrown by YamlEventConverter to stop the parser. Never leaves the codec.
struct YamlAbort {
  Status status;
};

// "yaml: line L, column C: message" (1-based; no position for a null mark).
Status YamlErrorAt(const YAML::Mark& mark, std::string_view message);

class YamlEventConverter final : public YAML::EventHandler {
 public:
  // The non-empty documents converted so far.
  std::vector<YamlDocument> Release() && { return std::move(docs_); }
  // 1-based index of the document being parsed (0 before the first).
  int document_index() const { return index_; }

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override;
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag,
                YAML::anchor_t anchor, const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override;
  void OnMapStart(const YAML::Mark& mark, const std::string& tag,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override;

 private:
  // A collection being filled.
  struct Frame {
    nlohmann::json value;  // object or array
    std::string path;
    YAML::anchor_t anchor = 0;
    size_t nodes_before = 0;
    size_t bytes_before = 0;
    int height = 1;  // levels of collections in this subtree, itself included
    std::set<std::string> keys;
    std::optional<std::string> pending_key;  // maps: key awaiting its value
    YAML::Mark key_mark;
  };
  struct Anchored {
    nlohmann::json value;
    size_t nodes = 0;
    size_t bytes = 0;
    int height = 0;  // 0 for scalars
  };

  [[noreturn]] static void Fail(const YAML::Mark& mark,
                                std::string_view message);
  bool ExpectingKey() const;
  void AcceptKey(const YAML::Mark& mark, const nlohmann::json& key);
  // Path of the next value node; records its position.
  std::string EnterValue(const YAML::Mark& mark);
  void Count(const YAML::Mark& mark, size_t nodes, size_t bytes);
  void CheckTag(const YAML::Mark& mark, const std::string& tag,
                std::string_view allowed);
  nlohmann::json ResolveScalar(const YAML::Mark& mark, const std::string& tag,
                               const std::string& value);
  // Stores a finished node in its parent (or as the root) and its anchor.
  void Attach(nlohmann::json value, YAML::anchor_t anchor, size_t nodes,
              size_t bytes, int height);
  void StartCollection(nlohmann::json empty, const YAML::Mark& mark,
                       YAML::anchor_t anchor);
  void EndCollection();

  std::vector<YamlDocument> docs_;
  int index_ = 0;
  std::optional<int> last_start_;
  // Per document:
  YamlDocument current_;
  bool has_root_ = false;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  size_t nodes_ = 0;
  size_t bytes_ = 0;
};

}  // namespace kiln::yaml_internal
