#include "controller/apiserver/patch.h"

#include <string>
#include <utility>
#include <vector>

#include "api_types/json_extent.h"
#include "api_types/json_parse.h"
#include "api_types/json_reader.h"
#include "api_types/yaml_codec.h"

namespace kiln {
namespace {

using nlohmann::json;

std::string OperationLabel(size_t index) {
  return "json patch operation " + std::to_string(index);
}

// "remove /spec/x" for messages; the op has been checked by ParseJsonPatch.
std::string DescribeOperation(const json& op) {
  return op["op"].get<std::string>() + " " + op["path"].get<std::string>();
}

// Levels of containers a value placed at `pointer` sits in ("/a/b" → 2).
int PointerDepth(const std::string& pointer) {
  int depth = 0;
  for (char c : pointer) depth += c == '/' ? 1 : 0;
  return depth;
}

// What `op` adds to `document`: the value of add/replace, the subtree at
// "from" for copy/move; nothing for remove/test. Throws json::exception for
// a bad "from" pointer (the operation itself would fail the same way).
// `document_bytes` is what the document measures so far; the result is
// bounded by the room that is left.
JsonExtent AddedByOperation(const json& document, const json& op,
                            size_t document_bytes) {
  const std::string& name = op["op"].get_ref<const std::string&>();
  const json* added = nullptr;
  if (name == "add" || name == "replace") {
    const auto value = op.find("value");
    if (value != op.end()) added = &*value;
  } else if (name == "copy" || name == "move") {
    const auto from = op.find("from");
    if (from != op.end() && from->is_string()) {
      added = &document.at(json::json_pointer(from->get<std::string>()));
    }
  }
  if (added == nullptr) return {};
  const size_t room = kMaxPatchedDocumentBytes > document_bytes
                          ? kMaxPatchedDocumentBytes - document_bytes
                          : 0;
  JsonExtent extent = MeasureJson(*added, room, kMaxJsonDepth);
  if (name == "move") extent.bytes = 0;  // it leaves its old place
  return extent;
}

// InvalidArgument when applying `op` could make the document larger than
// kMaxPatchedDocumentBytes (removals and replaced values are not
// subtracted: a bound, not an exact size) or nest deeper than
// kMaxJsonDepth. Adds what the operation adds to *document_bytes.
Status CheckOperationBounds(const json& document, const json& op,
                            size_t* document_bytes) {
  const JsonExtent added = AddedByOperation(document, op, *document_bytes);
  *document_bytes += added.bytes;
  if (*document_bytes > kMaxPatchedDocumentBytes) {
    return InvalidArgumentError("the patched object would be larger than " +
                                std::to_string(kMaxPatchedDocumentBytes) +
                                " bytes");
  }
  const int depth = PointerDepth(op["path"].get<std::string>()) + added.depth;
  if (added.depth > 0 && depth > kMaxJsonDepth) {
    return InvalidArgumentError("the patched object would nest deeper than " +
                                std::to_string(kMaxJsonDepth) + " levels");
  }
  return OkStatus();
}

bool PointerTouchesResourceVersion(const std::string& pointer) {
  return pointer.empty() || pointer == "/metadata" ||
         pointer.rfind("/metadata/resourceVersion", 0) == 0;
}

}  // namespace

StatusOr<json> ParseMergePatch(std::string_view text) {
  ASSIGN_OR_RETURN(json patch, ParseJson(text));
  if (!patch.is_object()) {
    return InvalidArgumentError("merge patch must be a JSON object, got " +
                                std::string(JsonTypeName(patch)));
  }
  return patch;
}

StatusOr<json> ParseJsonPatch(std::string_view text) {
  ASSIGN_OR_RETURN(json ops, ParseJson(text));
  if (!ops.is_array()) {
    return InvalidArgumentError("json patch must be a JSON array, got " +
                                std::string(JsonTypeName(ops)));
  }
  if (ops.size() > kMaxJsonPatchOperations) {
    return InvalidArgumentError("json patch has " + std::to_string(ops.size()) +
                                " operations; at most " +
                                std::to_string(kMaxJsonPatchOperations) +
                                " are allowed");
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const json& op = ops[i];
    if (!op.is_object()) {
      return InvalidArgumentError(OperationLabel(i) + ": must be an object");
    }
    for (const char* member : {"op", "path"}) {
      if (!op.contains(member)) {
        return InvalidArgumentError(OperationLabel(i) + ": missing \"" +
                                    member + "\"");
      }
      if (!op[member].is_string()) {
        return InvalidArgumentError(OperationLabel(i) + ": \"" + member +
                                    "\" must be a string");
      }
    }
  }
  return ops;
}

StatusOr<json> ParseApplyConfiguration(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<json> docs, YamlDocumentsToJson(text));
  if (docs.size() != 1) {
    return InvalidArgumentError(
        "apply patch must hold exactly one object, got " +
        std::to_string(docs.size()) + " documents");
  }
  if (!docs[0].is_object()) {
    return InvalidArgumentError("apply patch must be an object, got " +
                                std::string(JsonTypeName(docs[0])));
  }
  return std::move(docs[0]);
}

json ApplyMergePatch(const json& target, const json& patch) {
  json result = target;
  result.merge_patch(patch);  // never throws: it only walks objects
  return result;
}

StatusOr<json> ApplyJsonPatch(const json& target, const json& operations) {
  json result = target;
  size_t bytes =
      MeasureJson(result, kMaxPatchedDocumentBytes, kMaxJsonDepth).bytes;
  for (size_t i = 0; i < operations.size(); ++i) {
    const json& op = operations[i];
    const auto failed = [&](std::string_view why) {
      return InvalidArgumentError(OperationLabel(i) + " (" +
                                  DescribeOperation(op) +
                                  "): " + std::string(why));
    };
    try {
      Status bounded = CheckOperationBounds(result, op, &bytes);
      if (!bounded.ok()) return failed(bounded.message());
      result.patch_inplace(json::array({op}));
    } catch (const json::exception& e) {
      return failed(e.what());
    }
  }
  return result;
}

bool MergePatchSetsResourceVersion(const json& patch) {
  if (!patch.is_object()) return true;  // replaces the whole object
  const auto metadata = patch.find("metadata");
  if (metadata == patch.end()) return false;
  if (!metadata->is_object()) return true;  // null or a replacement
  return metadata->contains("resourceVersion");
}

bool JsonPatchSetsResourceVersion(const json& operations) {
  for (const json& op : operations) {
    if (!op.is_object()) continue;
    for (const char* member : {"path", "from"}) {
      const auto it = op.find(member);
      if (it != op.end() && it->is_string() &&
          PointerTouchesResourceVersion(it->get<std::string>())) {
        return true;
      }
    }
  }
  return false;
}

json MergeAppliedConfiguration(const json& live, const json& applied,
                               bool status_subresource) {
  json patch = json::object();
  const auto copy_member = [&](const json& from, json& to, const char* key) {
    const auto it = from.find(key);
    if (it != from.end()) to[key] = *it;
  };
  if (status_subresource) {
    copy_member(applied, patch, "status");
    return ApplyMergePatch(live, patch);
  }
  copy_member(applied, patch, "spec");
  const auto metadata = applied.find("metadata");
  if (metadata != applied.end() && metadata->is_object()) {
    json meta = json::object();
    for (const char* key :
         {"labels", "annotations", "finalizers", "resourceVersion"}) {
      copy_member(*metadata, meta, key);
    }
    if (!meta.empty()) patch["metadata"] = std::move(meta);
  }
  return ApplyMergePatch(live, patch);
}

}  // namespace kiln
