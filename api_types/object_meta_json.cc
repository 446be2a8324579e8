#include "api_types/object_meta_json.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_types/json_writer.h"
#include "api_types/utf8.h"

namespace kiln {
namespace {

void CheckConstant(ObjectReader& r, std::string_view key, std::string_view want,
                   bool required) {
  const nlohmann::json* value = r.Take(key);
  const std::string quoted_want = "\"" + std::string(want) + "\"";
  if (value == nullptr) {
    if (required) r.AddError(key, "required value, must be " + quoted_want);
    return;
  }
  std::string error;
  const std::optional<std::string> got = JsonToString(*value, &error);
  if (!got) {
    r.AddError(key, std::move(error));
  } else if (*got != want) {
    r.AddError(key, "must be " + quoted_want + ", got \"" +
                        SanitizeForMessage(*got, 64) + "\"");
  }
}

}  // namespace

nlohmann::json ToJson(const ObjectMeta& meta) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  PutString(j, "name", meta.name);
  PutString(j, "namespace", meta.namespace_);
  PutString(j, "uid", meta.uid);
  PutString(j, "resourceVersion", meta.resource_version);
  PutInt(j, "generation", meta.generation);
  PutTime(j, "creationTimestamp", meta.creation_timestamp);
  PutTime(j, "deletionTimestamp", meta.deletion_timestamp);
  PutStringMap(j, "labels", meta.labels);
  PutStringMap(j, "annotations", meta.annotations);
  PutStringList(j, "finalizers", meta.finalizers);
  return j;
}

nlohmann::json ToJson(const ListMeta& meta) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  PutString(j, "resourceVersion", meta.resource_version);
  PutString(j, "continue", meta.continue_token);
  PutOptionalInt(j, "remainingItemCount", meta.remaining_item_count);
  return j;
}

void DecodeObjectMeta(ObjectReader& r, ObjectMeta* out) {
  r.String("name", &out->name);
  r.String("namespace", &out->namespace_);
  r.String("uid", &out->uid);
  r.String("resourceVersion", &out->resource_version);
  r.Int64("generation", &out->generation);
  r.Time("creationTimestamp", &out->creation_timestamp);
  r.Time("deletionTimestamp", &out->deletion_timestamp);
  r.StringMap("labels", &out->labels);
  r.StringMap("annotations", &out->annotations);
  r.StringList("finalizers", &out->finalizers);
}

void DecodeListMeta(ObjectReader& r, ListMeta* out) {
  r.String("resourceVersion", &out->resource_version);
  r.String("continue", &out->continue_token);
  r.Int64("remainingItemCount", &out->remaining_item_count);
}

void CheckTypeMeta(ObjectReader& r, std::string_view api_version,
                   std::string_view kind, const DecodeOptions& options) {
  CheckConstant(r, "apiVersion", api_version, options.require_type_meta);
  CheckConstant(r, "kind", kind, options.require_type_meta);
}

}  // namespace kiln
