#include "api_types/event_json.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api_types/json_reader.h"
#include "api_types/json_writer.h"
#include "api_types/object_meta.h"
#include "api_types/object_meta_json.h"

namespace kiln {
namespace {

nlohmann::json ReferenceToJson(const ObjectReference& ref) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  PutString(j, "apiVersion", ref.api_version);
  PutString(j, "kind", ref.kind);
  PutString(j, "namespace", ref.namespace_);
  PutString(j, "name", ref.name);
  PutString(j, "uid", ref.uid);
  PutString(j, "resourceVersion", ref.resource_version);
  return j;
}

void DecodeReference(ObjectReader& r, ObjectReference* out) {
  r.String("apiVersion", &out->api_version);
  r.String("kind", &out->kind);
  r.String("namespace", &out->namespace_);
  r.String("name", &out->name);
  r.String("uid", &out->uid);
  r.String("resourceVersion", &out->resource_version);
}

}  // namespace

nlohmann::json ToJson(const Event& event) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = kEventKind;
  j["metadata"] = ToJson(event.metadata);
  j["involvedObject"] = ReferenceToJson(event.involved_object);
  PutString(j, "reason", event.reason);
  PutString(j, "message", event.message);
  PutString(j, "type", event.type);
  PutInt(j, "count", event.count);
  PutTime(j, "firstTimestamp", event.first_timestamp);
  PutTime(j, "lastTimestamp", event.last_timestamp);
  if (!event.source_component.empty()) {
    j["source"] = {{"component", event.source_component}};
  }
  return j;
}

StatusOr<Event> EventFromJson(const nlohmann::json& j,
                              const DecodeOptions& options,
                              std::vector<FieldError>* errors) {
  const auto decode = [&](ObjectReader& r, Event* out) {
    CheckTypeMeta(r, kApiVersion, kEventKind, options);
    r.Object("metadata",
             [&](ObjectReader& m) { DecodeObjectMeta(m, &out->metadata); });
    r.Object("involvedObject", [&](ObjectReader& o) {
      DecodeReference(o, &out->involved_object);
    });
    r.String("reason", &out->reason);
    r.String("message", &out->message);
    r.String("type", &out->type);
    r.Int64("count", &out->count);
    r.Time("firstTimestamp", &out->first_timestamp);
    r.Time("lastTimestamp", &out->last_timestamp);
    r.Object("source", [&](ObjectReader& s) {
      s.String("component", &out->source_component);
    });
  };
  return DecodeTopLevel<Event>(j, errors, decode);
}

}  // namespace kiln
