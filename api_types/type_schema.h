// TypeSchema: one description of every wire type of the API — each field's
// wire name, type, documentation and constraints — from which the API server
// renders both OpenAPI documents (Swagger 2.0 definitions and OpenAPI 3.0
// components.schemas, see type_schema_json.h). It is what `kubectl explain`
// prints, so descriptions are written for users. It must list exactly the
// fields the codecs write and accept (tests compare it with ToJson of fully
// populated objects).
//
// The tables live next to the codecs: build_schema.cc, node_schema.cc,
// build_status_schema.cc, event_schema.cc, meta_schema.cc. Immutable after
// first use: thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln {

enum class FieldType {
  kString,
  kInteger,  // int64
  kInt32,
  kBoolean,
  kDateTime,    // RFC 3339 string
  kStringMap,   // object of string values
  kStringList,  // array of strings
  kObject,      // another TypeSchema, by `ref`
  kObjectList,  // array of another TypeSchema, by `ref`
  kArbitrary,   // any JSON object (runtime.RawExtension)
};

struct FieldSchema {
  std::string name;  // wire name, e.g. "memoryMiB"
  FieldType type = FieldType::kString;
  std::string description;
  std::string ref;  // TypeSchema id for kObject / kObjectList
  bool required = false;
  std::vector<std::string> enum_values;
  std::optional<int64_t> minimum;
  std::optional<int64_t> maximum;
  std::string pattern;
  nlohmann::json default_value;  // null: none

  // Fluent setters for the tables.
  FieldSchema& Required() {
    required = true;
    return *this;
  }
  FieldSchema& Enum(std::vector<std::string> values) {
    enum_values = std::move(values);
    return *this;
  }
  FieldSchema& Range(int64_t min, int64_t max) {
    minimum = min;
    maximum = max;
    return *this;
  }
  FieldSchema& Pattern(std::string regex) {
    pattern = std::move(regex);
    return *this;
  }
  FieldSchema& Default(nlohmann::json value) {
    default_value = std::move(value);
    return *this;
  }
};

// Field constructors for the tables.
FieldSchema StringField(std::string name, std::string description);
FieldSchema IntegerField(std::string name, std::string description);
FieldSchema Int32Field(std::string name, std::string description);
FieldSchema BooleanField(std::string name, std::string description);
FieldSchema DateTimeField(std::string name, std::string description);
FieldSchema StringMapField(std::string name, std::string description);
FieldSchema StringListField(std::string name, std::string description);
FieldSchema ObjectField(std::string name, std::string ref,
                        std::string description);
FieldSchema ObjectListField(std::string name, std::string ref,
                            std::string description);
FieldSchema ArbitraryField(std::string name, std::string description);
// apiVersion, kind and metadata of a top-level object or list.
FieldSchema ApiVersionField();
FieldSchema KindField();

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
};

struct TypeSchema {
  // The definition name, Kubernetes style: reversed group, version, kind
  // ("dev.kiln.v1.Build"), or the apimachinery name for meta types
  // ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").
  std::string id;
  std::string description;
  std::vector<FieldSchema> fields;
  // Set for top-level kinds (x-kubernetes-group-version-kind): kubectl
  // explain and kubectl's field-validation check look schemas up by it.
  std::optional<GroupVersionKind> gvk = std::nullopt;
};

// Definition ids used across tables.
inline constexpr char kObjectMetaSchema[] =
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
inline constexpr char kListMetaSchema[] =
    "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
inline constexpr char kStatusSchema[] =
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
inline constexpr char kPatchSchema[] =
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
inline constexpr char kWatchEventSchema[] =
    "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
inline constexpr char kBuildSchema[] = "dev.kiln.v1.Build";
inline constexpr char kBuildListSchema[] = "dev.kiln.v1.BuildList";
inline constexpr char kNodeSchema[] = "dev.kiln.v1.Node";
inline constexpr char kNodeListSchema[] = "dev.kiln.v1.NodeList";
inline constexpr char kEventSchema[] = "dev.kiln.v1.Event";
inline constexpr char kEventListSchema[] = "dev.kiln.v1.EventList";

// The tables, one per source file.
std::vector<TypeSchema> MetaTypeSchemas();         // meta_schema.cc
std::vector<TypeSchema> BuildTypeSchemas();        // build_schema.cc
std::vector<TypeSchema> BuildStatusTypeSchemas();  // build_status_schema.cc
std::vector<TypeSchema> NodeTypeSchemas();         // node_schema.cc
std::vector<TypeSchema> EventTypeSchemas();        // event_schema.cc

// All of them, ids unique.
const std::vector<TypeSchema>& ApiTypeSchemas();

}  // namespace kiln
