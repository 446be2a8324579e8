#include "api_types/yaml_event_converter.h"

#include <yaml-cpp/mark.h>

#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "api_types/json_reader.h"
#include "api_types/utf8.h"
#include "api_types/yaml_scalar.h"

namespace kiln::yaml_internal {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

// "int" for "tag:yaml.org,2002:int"; "" for anything else.
std::string_view CoreTagName(std::string_view tag) {
  return tag.starts_with(kCoreTagPrefix) ? tag.substr(kCoreTagPrefix.size())
                                         : std::string_view();
}

SourcePosition PositionOf(const YAML::Mark& mark) {
  return {mark.line + 1, mark.column + 1};
}

}  // namespace

Status YamlErrorAt(const YAML::Mark& mark, std::string_view message) {
  std::string m = "yaml: ";
  if (!mark.is_null()) {
    m += "line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1) + ": ";
  }
  m += message;
  return InvalidArgumentError(std::move(m));
}

void YamlEventConverter::Fail(const YAML::Mark& mark,
                              std::string_view message) {
  throw YamlAbort{YamlErrorAt(mark, message)};
}

void YamlEventConverter::OnDocumentStart(const YAML::Mark& mark) {
  if (last_start_ && mark.pos <= *last_start_) {
    Fail(mark, "unexpected content after the end of a document");
  }
  last_start_ = mark.pos;
  ++index_;
  current_ = YamlDocument{};
  current_.index = index_;
  has_root_ = false;
  stack_.clear();
  anchors_.clear();  // anchors are scoped to their document
  nodes_ = 0;
  bytes_ = 0;
}

void YamlEventConverter::OnDocumentEnd() {
  if (has_root_ && !current_.json.is_null()) {
    docs_.push_back(std::move(current_));
  }
}

bool YamlEventConverter::ExpectingKey() const {
  return !stack_.empty() && stack_.back().value.is_object() &&
         !stack_.back().pending_key;
}

void YamlEventConverter::AcceptKey(const YAML::Mark& mark,
                                   const nlohmann::json& key) {
  if (!key.is_string()) Fail(mark, "mapping keys must be strings");
  const std::string& name = key.get_ref<const std::string&>();
  Frame& frame = stack_.back();
  if (!frame.keys.insert(name).second) {
    Fail(mark, "duplicate key \"" + SanitizeForMessage(name, 64) + "\"");
  }
  frame.pending_key = name;
  frame.key_mark = mark;
}

std::string YamlEventConverter::EnterValue(const YAML::Mark& mark) {
  std::string path;
  SourcePosition position = PositionOf(mark);
  if (stack_.empty()) {
    if (has_root_) Fail(mark, "more than one root node");
  } else if (const Frame& parent = stack_.back(); parent.value.is_object()) {
    path = JoinPath(parent.path, *parent.pending_key);
    position = PositionOf(parent.key_mark);
  } else {
    path = IndexPath(parent.path, parent.value.size());
  }
  current_.positions.emplace(path, position);
  return path;
}

void YamlEventConverter::Count(const YAML::Mark& mark, size_t nodes,
                               size_t bytes) {
  nodes_ += nodes;
  bytes_ += bytes;
  if (nodes_ > kMaxYamlNodes) {
    Fail(mark, "document expands to more than " +
                   std::to_string(kMaxYamlNodes) +
                   " nodes (too many aliases?)");
  }
  if (bytes_ > kMaxYamlExpandedBytes) {
    Fail(mark, "document expands to more than " +
                   std::to_string(kMaxYamlExpandedBytes) +
                   " bytes (too many aliases?)");
  }
}

void YamlEventConverter::CheckTag(const YAML::Mark& mark,
                                  const std::string& tag,
                                  std::string_view allowed) {
  if (tag.empty() || tag == "?" || tag == "!" || CoreTagName(tag) == allowed) {
    return;
  }
  Fail(mark, "unsupported tag \"" + SanitizeForMessage(tag, 64) + "\"");
}

nlohmann::json YamlEventConverter::ResolveScalar(const YAML::Mark& mark,
                                                 const std::string& tag,
                                                 const std::string& value) {
  if (!IsValidUtf8(value)) Fail(mark, "invalid UTF-8");
  const std::string_view core = CoreTagName(tag);
  if (tag == "!" || core == "str") return value;  // quoted, block or !!str
  if (tag != "?" && core != "int" && core != "float" && core != "bool" &&
      core != "null") {
    Fail(mark, "unsupported tag \"" + SanitizeForMessage(tag, 64) + "\"");
  }
  nlohmann::json resolved = ResolvePlainScalar(value);
  if (tag == "?") return resolved;
  const bool ok = (core == "int" && resolved.is_number_integer()) ||
                  (core == "float" && resolved.is_number()) ||
                  (core == "bool" && resolved.is_boolean()) ||
                  (core == "null" && resolved.is_null());
  if (!ok) Fail(mark, "invalid value for tag !!" + std::string(core));
  if (core == "float") return resolved.get<double>();
  return resolved;
}

void YamlEventConverter::Attach(nlohmann::json value, YAML::anchor_t anchor,
                                size_t nodes, size_t bytes, int height) {
  if (anchor != 0) {
    anchors_[anchor] = Anchored{value, nodes, bytes, height};
    bytes_ += bytes;  // the copy kept for aliases counts too
  }
  if (stack_.empty()) {
    current_.json = std::move(value);
    has_root_ = true;
    return;
  }
  Frame& parent = stack_.back();
  parent.height = std::max(parent.height, height + 1);
  if (parent.value.is_object()) {
    parent.value[*parent.pending_key] = std::move(value);
    parent.pending_key.reset();
  } else {
    parent.value.push_back(std::move(value));
  }
}

void YamlEventConverter::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (ExpectingKey()) Fail(mark, "mapping keys must be strings");
  EnterValue(mark);
  Count(mark, 1, 0);
  Attach(nullptr, anchor, 1, 0, 0);
}

void YamlEventConverter::OnScalar(const YAML::Mark& mark,
                                  const std::string& tag, YAML::anchor_t anchor,
                                  const std::string& value) {
  Count(mark, 1, value.size());
  if (ExpectingKey()) {
    // Keys are strings whatever their plain-scalar type: "1: a" -> "1".
    if (!IsValidUtf8(value)) Fail(mark, "invalid UTF-8");
    if (anchor != 0) anchors_[anchor] = Anchored{value, 1, value.size(), 0};
    AcceptKey(mark, value);
    return;
  }
  EnterValue(mark);
  Attach(ResolveScalar(mark, tag, value), anchor, 1, value.size(), 0);
}

void YamlEventConverter::OnAlias(const YAML::Mark& mark,
                                 YAML::anchor_t anchor) {
  const auto it = anchors_.find(anchor);
  if (it == anchors_.end()) {
    Fail(mark, "alias to an anchor that is not complete (recursive alias?)");
  }
  Count(mark, it->second.nodes, it->second.bytes);
  if (ExpectingKey()) {
    AcceptKey(mark, it->second.value);
    return;
  }
  EnterValue(mark);
  if (stack_.size() + it->second.height > static_cast<size_t>(kMaxYamlDepth)) {
    Fail(mark,
         "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
  }
  Attach(it->second.value, 0, 0, 0, it->second.height);
}

void YamlEventConverter::StartCollection(nlohmann::json empty,
                                         const YAML::Mark& mark,
                                         YAML::anchor_t anchor) {
  if (ExpectingKey()) Fail(mark, "mapping keys must be strings");
  if (stack_.size() >= static_cast<size_t>(kMaxYamlDepth)) {
    Fail(mark,
         "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
  }
  Frame frame;
  frame.path = EnterValue(mark);
  frame.value = std::move(empty);
  frame.anchor = anchor;
  frame.nodes_before = nodes_;
  frame.bytes_before = bytes_;
  Count(mark, 1, 0);
  stack_.push_back(std::move(frame));
}

void YamlEventConverter::EndCollection() {
  Frame frame = std::move(stack_.back());
  stack_.pop_back();
  Attach(std::move(frame.value), frame.anchor, nodes_ - frame.nodes_before,
         bytes_ - frame.bytes_before, frame.height);
}

void YamlEventConverter::OnSequenceStart(const YAML::Mark& mark,
                                         const std::string& tag,
                                         YAML::anchor_t anchor,
                                         YAML::EmitterStyle::value /*style*/) {
  CheckTag(mark, tag, "seq");
  StartCollection(nlohmann::json::array(), mark, anchor);
}

void YamlEventConverter::OnSequenceEnd() { EndCollection(); }

void YamlEventConverter::OnMapStart(const YAML::Mark& mark,
                                    const std::string& tag,
                                    YAML::anchor_t anchor,
                                    YAML::EmitterStyle::value /*style*/) {
  CheckTag(mark, tag, "map");
  StartCollection(nlohmann::json::object(), mark, anchor);
}

void YamlEventConverter::OnMapEnd() { EndCollection(); }

}  // namespace kiln::yaml_internal
