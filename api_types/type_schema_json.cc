#include "api_types/type_schema_json.h"

#include <string>
#include <utility>

namespace kiln {
namespace {

nlohmann::json Scalar(const char* type, const char* format = nullptr) {
  nlohmann::json j = {{"type", type}};
  if (format != nullptr) j["format"] = format;
  return j;
}

// The schema of a field's value, without description.
nlohmann::json ValueSchema(const FieldSchema& field, SchemaDialect dialect) {
  switch (field.type) {
    case FieldType::kString:
      return Scalar("string");
    case FieldType::kInteger:
      return Scalar("integer", "int64");
    case FieldType::kInt32:
      return Scalar("integer", "int32");
    case FieldType::kBoolean:
      return Scalar("boolean");
    case FieldType::kDateTime:
      return Scalar("string", "date-time");
    case FieldType::kStringMap:
      return {{"type", "object"}, {"additionalProperties", Scalar("string")}};
    case FieldType::kStringList:
      return {{"type", "array"}, {"items", Scalar("string")}};
    case FieldType::kObject:
      if (dialect == SchemaDialect::kSwagger2) {
        return SchemaRef(field.ref, dialect);
      }
      return {
          {"allOf", nlohmann::json::array({SchemaRef(field.ref, dialect)})}};
    case FieldType::kObjectList:
      return {{"type", "array"}, {"items", SchemaRef(field.ref, dialect)}};
    case FieldType::kArbitrary:
      return Scalar("object");
  }
  return Scalar("object");
}

nlohmann::json GvkJson(const GroupVersionKind& gvk) {
  return nlohmann::json::array(
      {{{"group", gvk.group}, {"kind", gvk.kind}, {"version", gvk.version}}});
}

}  // namespace

nlohmann::json SchemaRef(std::string_view id, SchemaDialect dialect) {
  const char* prefix = dialect == SchemaDialect::kSwagger2
                           ? "#/definitions/"
                           : "#/components/schemas/";
  return {{"$ref", prefix + std::string(id)}};
}

nlohmann::json ToJsonSchema(const FieldSchema& field, SchemaDialect dialect) {
  nlohmann::json j = ValueSchema(field, dialect);
  j["description"] = field.description;
  if (!field.enum_values.empty()) j["enum"] = field.enum_values;
  if (field.minimum) j["minimum"] = *field.minimum;
  if (field.maximum) j["maximum"] = *field.maximum;
  if (!field.pattern.empty()) j["pattern"] = field.pattern;
  if (!field.default_value.is_null()) j["default"] = field.default_value;
  return j;
}

nlohmann::json ToJsonSchema(const TypeSchema& type, SchemaDialect dialect) {
  nlohmann::json j = {{"type", "object"}, {"description", type.description}};
  if (!type.fields.empty()) {
    nlohmann::json properties = nlohmann::json::object();
    nlohmann::json required = nlohmann::json::array();
    for (const FieldSchema& field : type.fields) {
      properties[field.name] = ToJsonSchema(field, dialect);
      if (field.required) required.push_back(field.name);
    }
    j["properties"] = std::move(properties);
    if (!required.empty()) j["required"] = std::move(required);
    j["additionalProperties"] = false;
  }
  if (type.gvk) j["x-kubernetes-group-version-kind"] = GvkJson(*type.gvk);
  return j;
}

nlohmann::json AllJsonSchemas(SchemaDialect dialect) {
  nlohmann::json all = nlohmann::json::object();
  for (const TypeSchema& type : ApiTypeSchemas()) {
    all[type.id] = ToJsonSchema(type, dialect);
  }
  return all;
}

}  // namespace kiln
