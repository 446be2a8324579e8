#include "controller/apiserver/openapi.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "api_types/object_meta.h"
#include "api_types/type_schema.h"
#include "api_types/type_schema_json.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/discovery.h"

namespace kiln {
namespace {

// ---- The operations, dialect-neutral -------------------------------------

struct Param {
  std::string name;
  std::string type;  // "string", "integer", "boolean"
  std::string description;
};

struct Operation {
  std::string method;  // "get", "post", "put", "patch", "delete"
  std::string action;  // x-kubernetes-action
  std::string id;      // operationId
  std::string description;
  std::vector<Param> query;
  std::vector<std::string> consumes;  // empty: no request body
  std::string body_schema;            // request body schema id
  std::vector<std::string> produces;
  std::vector<std::pair<int, std::string>> responses;  // code, schema id
  std::string kind;
};

struct PathItem {
  std::string path;
  bool namespaced = false;
  bool named = false;
  std::vector<Operation> operations;
};

constexpr char kTag[] = "kilnDev_v1";
constexpr char kIdGroup[] = "KilnDevV1";

// Request bodies: what the server decodes (content_type.h).
std::vector<std::string> ObjectBodyTypes() { return AcceptedBodyTypes("PUT"); }
std::vector<std::string> PatchBodyTypes() { return AcceptedBodyTypes("PATCH"); }

std::vector<Param> ListParams() {
  return {
      {"allowWatchBookmarks", "boolean",
       "Ask for BOOKMARK events in a watch (resourceVersion checkpoints)."},
      {"continue", "string", "The continue token of the previous page."},
      {"fieldSelector", "string",
       "Select by fields, e.g. metadata.name=hello."},
      {"labelSelector", "string", "Select by labels, e.g. team=web."},
      {"limit", "integer",
       "Return at most this many items, with a continue "
       "token when more exist."},
      {"resourceVersion", "string",
       "List at, or watch from, this resourceVersion."},
      {"timeoutSeconds", "integer", "End a watch after this many seconds."},
      {"watch", "boolean",
       "Stream changes (newline-delimited WatchEvents) instead of listing."}};
}

std::vector<Param> WriteParams(bool patch) {
  std::vector<Param> params = {
      {"dryRun", "string",
       "All: validate and admit the request without persisting it."},
      {"fieldManager", "string", "Name of the actor making the change."},
      {"fieldValidation", "string",
       "Ignore, Warn or Strict: how to treat unknown or duplicate fields. "
       "Kiln decodes strictly: unknown fields are always rejected, with "
       "their path."}};
  if (patch) {
    params.push_back({"force", "boolean",
                      "Server-side apply: take ownership of fields managed by "
                      "other field managers."});
  }
  return params;
}

std::string SchemaOf(const std::string& kind) { return "dev.kiln.v1." + kind; }

bool HasVerb(const ApiResource& r, std::string_view verb) {
  return std::find(r.verbs.begin(), r.verbs.end(), verb) != r.verbs.end();
}

Operation Op(std::string method, std::string action, std::string id,
             std::string description, const std::string& kind) {
  Operation op;
  op.method = std::move(method);
  op.action = std::move(action);
  op.id = std::move(id);
  op.description = std::move(description);
  op.produces = ProducibleTypes(/*table_allowed=*/false);
  op.kind = kind;
  return op;
}

// Each builder takes `id`, the operationId without its verb prefix (e.g.
// "KilnDevV1NamespacedBuild", "KilnDevV1CollectionNamespacedBuild"), and
// `of`, "" or e.g. "status of " for subresources.

Operation ListOp(const std::string& kind, const std::string& id) {
  Operation op = Op("get", "list", "list" + id,
                    "list or watch objects of kind " + kind, kind);
  op.query = ListParams();
  op.produces.push_back("application/json;stream=watch");
  op.responses = {{200, SchemaOf(kind + "List")}};
  return op;
}

Operation CreateOp(const std::string& kind, const std::string& id) {
  Operation op = Op("post", "post", "create" + id, "create a " + kind, kind);
  op.query = WriteParams(false);
  op.consumes = ObjectBodyTypes();
  op.body_schema = SchemaOf(kind);
  op.responses = {{200, SchemaOf(kind)}, {201, SchemaOf(kind)}};
  return op;
}

Operation DeleteCollectionOp(const std::string& kind, const std::string& id) {
  Operation op = Op("delete", "deletecollection", "delete" + id,
                    "delete collection of " + kind, kind);
  op.query = {{"dryRun", "string", "All: do not persist the deletion."},
              {"labelSelector", "string", "Delete only matching objects."}};
  op.responses = {{200, kStatusSchema}};
  return op;
}

Operation ReadOp(const std::string& kind, const std::string& id,
                 const std::string& of) {
  Operation op = Op("get", "get", "read" + id,
                    "read " + of + "the specified " + kind, kind);
  op.responses = {{200, SchemaOf(kind)}};
  return op;
}

Operation ReadLogOp(const std::string& kind, const std::string& id) {
  Operation op = ReadOp(kind, id, "log of ");
  op.produces = {"text/plain"};
  op.responses = {{200, ""}};
  op.query = {
      {"follow", "boolean", "Stream the log while the build runs."},
      {"offset", "integer", "Start at this byte offset (resume a stream)."}};
  return op;
}

Operation ReplaceOp(const std::string& kind, const std::string& id,
                    const std::string& of) {
  Operation op = Op("put", "put", "replace" + id,
                    "replace " + of + "the specified " + kind, kind);
  op.query = WriteParams(false);
  op.consumes = ObjectBodyTypes();
  op.body_schema = SchemaOf(kind);
  op.responses = {{200, SchemaOf(kind)}, {201, SchemaOf(kind)}};
  return op;
}

Operation PatchOp(const std::string& kind, const std::string& id,
                  const std::string& of) {
  Operation op = Op("patch", "patch", "patch" + id,
                    "partially update " + of + "the specified " + kind, kind);
  op.query = WriteParams(true);
  op.consumes = PatchBodyTypes();
  op.body_schema = kPatchSchema;
  op.responses = {{200, SchemaOf(kind)}, {201, SchemaOf(kind)}};
  return op;
}

Operation DeleteOp(const std::string& kind, const std::string& id) {
  Operation op =
      Op("delete", "delete", "delete" + id, "delete a " + kind, kind);
  op.query = {{"dryRun", "string", "All: do not persist the deletion."}};
  op.responses = {{200, SchemaOf(kind)}, {202, SchemaOf(kind)}};
  return op;
}

// Operations on the collection path of `r`; `scope` is "Namespaced" or "".
std::vector<Operation> CollectionOps(const ApiResource& r,
                                     const std::string& scope) {
  const std::string id = std::string(kIdGroup) + scope + r.kind;
  std::vector<Operation> ops;
  if (HasVerb(r, "list")) ops.push_back(ListOp(r.kind, id));
  if (HasVerb(r, "create")) ops.push_back(CreateOp(r.kind, id));
  if (HasVerb(r, "deletecollection")) {
    ops.push_back(DeleteCollectionOp(
        r.kind, std::string(kIdGroup) + "Collection" + scope + r.kind));
  }
  return ops;
}

// Operations on an object path, or on its subresource `sub` ("" for none).
std::vector<Operation> ItemOps(const ApiResource& r, const std::string& sub,
                               const std::string& scope) {
  std::string id = std::string(kIdGroup) + scope + r.kind;
  std::string of;  // "status of "
  if (!sub.empty()) {
    id += static_cast<char>(std::toupper(static_cast<unsigned char>(sub[0])));
    id += sub.substr(1);
    of = sub + " of ";
  }
  std::vector<Operation> ops;
  if (HasVerb(r, "get")) {
    ops.push_back(sub == "log" ? ReadLogOp(r.kind, id)
                               : ReadOp(r.kind, id, of));
  }
  if (HasVerb(r, "update")) ops.push_back(ReplaceOp(r.kind, id, of));
  if (HasVerb(r, "patch")) ops.push_back(PatchOp(r.kind, id, of));
  if (HasVerb(r, "delete")) ops.push_back(DeleteOp(r.kind, id));
  return ops;
}

std::vector<PathItem> KilnPaths() {
  const std::string base = std::string("/apis/") + kApiVersion;
  std::vector<PathItem> paths;
  for (const ApiResource& r : KilnApiResources()) {
    if (!r.discoverable) continue;
    const size_t slash = r.name.find('/');
    const std::string plural = r.name.substr(0, slash);
    const std::string sub =
        slash == std::string::npos ? "" : r.name.substr(slash + 1);
    const std::string scope = r.namespaced ? "Namespaced" : "";
    const std::string collection =
        base + (r.namespaced ? "/namespaces/{namespace}/" : "/") + plural;
    if (sub.empty()) {
      paths.push_back(
          {collection, r.namespaced, false, CollectionOps(r, scope)});
      if (r.namespaced && HasVerb(r, "list")) {
        // Lists and watches across namespaces.
        const std::string id = std::string(kIdGroup) + r.kind;
        paths.push_back({base + "/" + plural,
                         false,
                         false,
                         {ListOp(r.kind, id + "ForAllNamespaces")}});
      }
    }
    paths.push_back({collection + "/{name}" + (sub.empty() ? "" : "/" + sub),
                     r.namespaced, true, ItemOps(r, sub, scope)});
  }
  return paths;
}

nlohmann::json Gvk(const std::string& kind) {
  return {{"group", kGroup}, {"kind", kind}, {"version", kVersion}};
}

// ---- Rendering -------------------------------------------------------------

struct PathParam {
  const char* name;
  const char* in;
  const char* description;
};

std::vector<PathParam> PathParams(const PathItem& item) {
  std::vector<PathParam> params;
  if (item.named) params.push_back({"name", "path", "name of the object"});
  if (item.namespaced) {
    params.push_back({"namespace", "path",
                      "object name and auth scope, such as for teams and "
                      "projects"});
  }
  params.push_back({"pretty", "query", "If 'true', the output is indented."});
  return params;
}

nlohmann::json ResponsesV2(const Operation& op) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [code, schema] : op.responses) {
    nlohmann::json r = {{"description", code == 201   ? "Created"
                                        : code == 202 ? "Accepted"
                                                      : "OK"}};
    r["schema"] = schema.empty() ? nlohmann::json{{"type", "string"}}
                                 : SchemaRef(schema, SchemaDialect::kSwagger2);
    out[std::to_string(code)] = std::move(r);
  }
  out["401"] = {{"description", "Unauthorized"}};
  return out;
}

nlohmann::json OperationV2(const Operation& op) {
  nlohmann::json params = nlohmann::json::array();
  if (!op.body_schema.empty()) {
    params.push_back(
        {{"name", "body"},
         {"in", "body"},
         {"required", true},
         {"schema", SchemaRef(op.body_schema, SchemaDialect::kSwagger2)}});
  }
  for (const Param& p : op.query) {
    params.push_back({{"name", p.name},
                      {"in", "query"},
                      {"type", p.type},
                      {"uniqueItems", true},
                      {"description", p.description}});
  }
  return {{"description", op.description},
          {"consumes",
           op.consumes.empty() ? std::vector<std::string>{"*/*"} : op.consumes},
          {"produces", op.produces},
          {"schemes", {"https"}},
          {"tags", {kTag}},
          {"operationId", op.id},
          {"parameters", std::move(params)},
          {"responses", ResponsesV2(op)},
          {"x-kubernetes-action", op.action},
          {"x-kubernetes-group-version-kind", Gvk(op.kind)}};
}

nlohmann::json ContentV3(const std::vector<std::string>& types,
                         const std::string& schema) {
  nlohmann::json content = nlohmann::json::object();
  for (const std::string& type : types) {
    content[type] = {
        {"schema", schema.empty()
                       ? nlohmann::json{{"type", "string"}}
                       : SchemaRef(schema, SchemaDialect::kOpenApi3)}};
  }
  return content;
}

nlohmann::json OperationV3(const Operation& op) {
  nlohmann::json params = nlohmann::json::array();
  for (const Param& p : op.query) {
    params.push_back({{"name", p.name},
                      {"in", "query"},
                      {"description", p.description},
                      {"schema", {{"type", p.type}, {"uniqueItems", true}}}});
  }
  nlohmann::json responses = nlohmann::json::object();
  for (const auto& [code, schema] : op.responses) {
    responses[std::to_string(code)] = {
        {"description", code == 201   ? "Created"
                        : code == 202 ? "Accepted"
                                      : "OK"},
        {"content", ContentV3(op.produces, schema)}};
  }
  responses["401"] = {{"description", "Unauthorized"}};
  nlohmann::json j = {{"tags", {kTag}},
                      {"description", op.description},
                      {"operationId", op.id},
                      {"parameters", std::move(params)},
                      {"responses", std::move(responses)},
                      {"x-kubernetes-action", op.action},
                      {"x-kubernetes-group-version-kind", Gvk(op.kind)}};
  if (!op.consumes.empty()) {
    j["requestBody"] = {{"content", ContentV3(op.consumes, op.body_schema)},
                        {"required", true}};
  }
  return j;
}

nlohmann::json PathItemJson(const PathItem& item, SchemaDialect dialect) {
  nlohmann::json params = nlohmann::json::array();
  for (const PathParam& p : PathParams(item)) {
    nlohmann::json param = {
        {"name", p.name}, {"in", p.in}, {"description", p.description}};
    if (dialect == SchemaDialect::kSwagger2) {
      param["type"] = "string";
      param["uniqueItems"] = true;
    } else {
      param["schema"] = {{"type", "string"}, {"uniqueItems", true}};
    }
    if (std::string_view(p.in) == "path") param["required"] = true;
    params.push_back(std::move(param));
  }
  nlohmann::json j = {{"parameters", std::move(params)}};
  for (const Operation& op : item.operations) {
    j[op.method] =
        dialect == SchemaDialect::kSwagger2 ? OperationV2(op) : OperationV3(op);
  }
  return j;
}

nlohmann::json PathsJson(SchemaDialect dialect) {
  nlohmann::json paths = nlohmann::json::object();
  for (const PathItem& item : KilnPaths()) {
    paths[item.path] = PathItemJson(item, dialect);
  }
  return paths;
}

nlohmann::json Info() {
  return {{"title", "Kiln"},
          {"version", std::string("v") + kKubernetesMajor + "." +
                          kKubernetesMinor + ".0"}};
}

nlohmann::json BearerToken() {
  return {{"type", "apiKey"},
          {"name", "authorization"},
          {"in", "header"},
          {"description", "Bearer Token authentication"}};
}

}  // namespace

nlohmann::json OpenApiV2Document() {
  return {{"swagger", "2.0"},
          {"info", Info()},
          {"paths", PathsJson(SchemaDialect::kSwagger2)},
          {"definitions", AllJsonSchemas(SchemaDialect::kSwagger2)},
          {"securityDefinitions", {{"BearerToken", BearerToken()}}},
          {"security", {{{"BearerToken", nlohmann::json::array()}}}}};
}

nlohmann::json OpenApiV3Document() {
  return {{"openapi", "3.0.0"},
          {"info", Info()},
          {"paths", PathsJson(SchemaDialect::kOpenApi3)},
          {"components",
           {{"schemas", AllJsonSchemas(SchemaDialect::kOpenApi3)},
            {"securitySchemes", {{"BearerToken", BearerToken()}}}}},
          {"security", {{{"BearerToken", nlohmann::json::array()}}}}};
}

std::string OpenApiHash(std::string_view serialized) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(serialized.data(), serialized.size(), digest, &length,
             EVP_sha512(), nullptr);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof(byte), "%02X", digest[i]);
    hex += byte;
  }
  return hex;
}

nlohmann::json OpenApiV3Index(std::string_view hash) {
  const std::string key = std::string("apis/") + kApiVersion;
  return {{"paths",
           {{key,
             {{"serverRelativeURL",
               "/openapi/v3/" + key + "?hash=" + std::string(hash)}}}}}};
}

const OpenApiDocuments& KilnOpenApiDocuments() {
  static const OpenApiDocuments* const kDocuments = [] {
    auto* docs = new OpenApiDocuments;
    docs->v2 = OpenApiV2Document().dump();
    docs->v3 = OpenApiV3Document().dump();
    docs->v3_hash = OpenApiHash(docs->v3);
    docs->v3_index = OpenApiV3Index(docs->v3_hash).dump();
    return docs;
  }();
  return *kDocuments;
}

}  // namespace kiln
