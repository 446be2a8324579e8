// Renders TypeSchema (type_schema.h) as JSON Schema for the two OpenAPI
// documents the API server serves. The dialects differ only where the specs
// do: references point into "#/definitions/" (Swagger 2.0) or
// "#/components/schemas/" (OpenAPI 3.0), and a documented reference is
// {$ref, description} in 2.0 but {allOf: [{$ref}], description} in 3.0,
// where siblings of $ref are ignored (kube-openapi emits the same shapes).
// Objects with fields are closed (additionalProperties: false): the server
// rejects unknown fields. Thread-safe; never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api_types/type_schema.h"

namespace kiln {

enum class SchemaDialect { kSwagger2, kOpenApi3 };

// {"$ref": "#/definitions/<id>"} or {"$ref": "#/components/schemas/<id>"}.
nlohmann::json SchemaRef(std::string_view id, SchemaDialect dialect);

// The schema of one field.
nlohmann::json ToJsonSchema(const FieldSchema& field, SchemaDialect dialect);

// The schema of one type: {type: object, description, properties, required,
// additionalProperties: false, x-kubernetes-group-version-kind}.
nlohmann::json ToJsonSchema(const TypeSchema& type, SchemaDialect dialect);

// Every ApiTypeSchemas() entry by id: the value of "definitions" (2.0) or
// "components.schemas" (3.0).
nlohmann::json AllJsonSchemas(SchemaDialect dialect);

}  // namespace kiln
