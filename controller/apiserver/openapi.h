// The OpenAPI documents of kiln.dev/v1, both rendered from the same two
// tables: the wire types (api_types/type_schema.h) and the API surface
// (discovery.h KilnApiResources()).
//
//   GET /openapi/v2                  Swagger 2.0, JSON.
//   GET /openapi/v3                  index: {"paths": {"apis/kiln.dev/v1":
//                                    {"serverRelativeURL": "/openapi/v3/apis/
//                                    kiln.dev/v1?hash=<SHA-512, hex>"}}}
//   GET /openapi/v3/apis/kiln.dev/v1 OpenAPI 3.0 document.
//
// What kubectl v1.32 does with them: `kubectl explain` reads /openapi/v3
// (schemas found by x-kubernetes-group-version-kind). Before apply/create/
// replace/patch it looks in the v3 document for the PATCH operation of the
// kind: an `x-kubernetes-group-version-kind` object and a `fieldValidation`
// query parameter there mean "the server validates fields", so it sends
// ?fieldValidation=Strict and skips client-side validation; client-side
// apply also checks that operation's request body types and, finding no
// strategic merge patch, computes a JSON merge patch. kubectl fetches
// /openapi/v2 only as protobuf; the JSON served here is for other tools, so
// answer a protobuf-only Accept with 406 (content_type.h AcceptsJson).
//
// Serve the v3 document with `ETag: "<hash>"`; kube-apiserver also marks
// requests that carry ?hash= as immutable (Cache-Control: public, immutable).
//
// Thread-safe: documents are built once, on first use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kiln {

// The Swagger 2.0 document.
nlohmann::json OpenApiV2Document();

// The OpenAPI 3.0 document of kiln.dev/v1.
nlohmann::json OpenApiV3Document();

// Uppercase hex SHA-512 of `serialized`, as kube-openapi hashes documents.
std::string OpenApiHash(std::string_view serialized);

// The /openapi/v3 index pointing at the kiln.dev/v1 document with `hash`.
nlohmann::json OpenApiV3Index(std::string_view hash);

// The documents serialized once (compact JSON), ready to serve.
struct OpenApiDocuments {
  std::string v2;        // body of /openapi/v2
  std::string v3;        // body of /openapi/v3/apis/kiln.dev/v1
  std::string v3_hash;   // OpenApiHash(v3): ?hash= and ETag
  std::string v3_index;  // body of /openapi/v3
};
const OpenApiDocuments& KilnOpenApiDocuments();

}  // namespace kiln
