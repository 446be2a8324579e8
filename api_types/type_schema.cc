#include "api_types/type_schema.h"

#include <string>
#include <utility>
#include <vector>

namespace kiln {
namespace {

FieldSchema Field(std::string name, FieldType type, std::string description,
                  std::string ref = "") {
  FieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.description = std::move(description);
  f.ref = std::move(ref);
  return f;
}

std::vector<TypeSchema> AllSchemas() {
  std::vector<TypeSchema> all;
  for (auto* table :
       {&MetaTypeSchemas, &BuildTypeSchemas, &BuildStatusTypeSchemas,
        &NodeTypeSchemas, &EventTypeSchemas}) {
    std::vector<TypeSchema> part = (*table)();
    all.insert(all.end(), std::make_move_iterator(part.begin()),
               std::make_move_iterator(part.end()));
  }
  return all;
}

}  // namespace

FieldSchema StringField(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kString, std::move(description));
}
FieldSchema IntegerField(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kInteger, std::move(description));
}
FieldSchema Int32Field(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kInt32, std::move(description));
}
FieldSchema BooleanField(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kBoolean, std::move(description));
}
FieldSchema DateTimeField(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kDateTime, std::move(description));
}
FieldSchema StringMapField(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kStringMap, std::move(description));
}
FieldSchema StringListField(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kStringList, std::move(description));
}
FieldSchema ObjectField(std::string name, std::string ref,
                        std::string description) {
  return Field(std::move(name), FieldType::kObject, std::move(description),
               std::move(ref));
}
FieldSchema ObjectListField(std::string name, std::string ref,
                            std::string description) {
  return Field(std::move(name), FieldType::kObjectList, std::move(description),
               std::move(ref));
}
FieldSchema ArbitraryField(std::string name, std::string description) {
  return Field(std::move(name), FieldType::kArbitrary, std::move(description));
}

FieldSchema ApiVersionField() {
  return StringField(
      "apiVersion",
      "APIVersion defines the versioned schema of this representation of an "
      "object: kiln.dev/v1. Servers reject other values.");
}

FieldSchema KindField() {
  return StringField(
      "kind",
      "Kind is a string value representing the REST resource this object "
      "represents, in CamelCase (e.g. Build). Servers reject other values.");
}

const std::vector<TypeSchema>& ApiTypeSchemas() {
  static const std::vector<TypeSchema>* const kAll =
      new std::vector<TypeSchema>(AllSchemas());
  return *kAll;
}

}  // namespace kiln
