#include "controller/apiserver/openapi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/build_list_json.h"
#include "api_types/event_json.h"
#include "api_types/meta_status_json.h"
#include "api_types/node_json.h"
#include "tests/api_types/codec_fixtures.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;

// Which document: its schema table and how references look.
struct Dialect {
  const char* name;
  json doc;
  json schemas;
  std::string ref_prefix;
};

std::vector<Dialect> Dialects() {
  const json v2 = OpenApiV2Document();
  const json v3 = OpenApiV3Document();
  return {{"v2", v2, v2["definitions"], "#/definitions/"},
          {"v3", v3, v3["components"]["schemas"], "#/components/schemas/"}};
}

// Checks that a JSON value conforms to a schema of a document, and records
// which properties of which definitions the value exercised.
class SchemaWalker {
 public:
  explicit SchemaWalker(const Dialect& d) : d_(d) {}

  void Walk(const json& value, const std::string& id, const std::string& at) {
    ASSERT_TRUE(d_.schemas.contains(id)) << d_.name << ": no schema " << id;
    visited_.insert(id);
    WalkSchema(value, d_.schemas[id], id, at);
  }

  // Properties of visited definitions that no value exercised.
  std::vector<std::string> Unexercised() const {
    std::vector<std::string> out;
    for (const std::string& id : visited_) {
      const json& s = d_.schemas[id];
      if (!s.contains("properties")) continue;
      for (const auto& [name, unused] : s["properties"].items()) {
        if (!seen_.count(id + "." + name)) out.push_back(id + "." + name);
      }
    }
    return out;
  }

 private:
  void WalkSchema(const json& value, const json& schema,
                  const std::string& owner, const std::string& at) {
    if (schema.contains("$ref")) return WalkRef(schema["$ref"], value, at);
    if (schema.contains("allOf")) {
      return WalkRef(schema["allOf"][0]["$ref"], value, at);
    }
    const std::string type = schema.value("type", "");
    if (type == "string") {
      EXPECT_TRUE(value.is_string()) << d_.name << " " << at;
    } else if (type == "integer") {
      EXPECT_TRUE(value.is_number_integer()) << d_.name << " " << at;
    } else if (type == "boolean") {
      EXPECT_TRUE(value.is_boolean()) << d_.name << " " << at;
    } else if (type == "array") {
      ASSERT_TRUE(value.is_array()) << d_.name << " " << at;
      for (const json& item : value) {
        WalkSchema(item, schema["items"], owner, at + "[]");
      }
    } else if (type == "object") {
      ASSERT_TRUE(value.is_object()) << d_.name << " " << at;
      WalkObject(value, schema, owner, at);
    } else {
      ADD_FAILURE() << d_.name << " " << at << ": untyped schema";
    }
  }

  void WalkRef(const std::string& ref, const json& value,
               const std::string& at) {
    ASSERT_EQ(ref.rfind(d_.ref_prefix, 0), 0u) << d_.name << " " << ref;
    Walk(value, ref.substr(d_.ref_prefix.size()), at);
  }

  void WalkObject(const json& value, const json& schema,
                  const std::string& owner, const std::string& at) {
    if (schema.contains("properties")) {
      for (const auto& [key, item] : value.items()) {
        const std::string path = at + "." + key;
        ASSERT_TRUE(schema["properties"].contains(key))
            << d_.name << ": " << path << " is not in the schema";
        seen_.insert(owner + "." + key);
        WalkSchema(item, schema["properties"][key], owner, path);
      }
    } else if (schema.contains("additionalProperties")) {
      for (const auto& [key, item] : value.items()) {
        WalkSchema(item, schema["additionalProperties"], owner,
                   at + "[" + key + "]");
      }
    }
  }

  const Dialect& d_;
  std::set<std::string> visited_;
  std::set<std::string> seen_;
};

json FullBuildList() {
  BuildList list;
  list.metadata.resource_version = "7";
  list.metadata.continue_token = "abc";
  list.metadata.remaining_item_count = 3;
  list.items = {testing_fixtures::FullBuild()};
  return ToJson(list);
}

TEST(OpenApiTest, EveryFieldTheCodecsWriteIsDescribedInBothDocuments) {
  for (const Dialect& d : Dialects()) {
    SchemaWalker walker(d);
    walker.Walk(ToJson(testing_fixtures::FullBuild()), "dev.kiln.v1.Build",
                "Build");
    walker.Walk(FullBuildList(), "dev.kiln.v1.BuildList", "BuildList");
    walker.Walk(ToJson(testing_fixtures::FullNode()), "dev.kiln.v1.Node",
                "Node");
    walker.Walk(ToJson(testing_fixtures::FullEvent()), "dev.kiln.v1.Event",
                "Event");
    walker.Walk(ToJson(testing_fixtures::FullMetaStatus()),
                "io.k8s.apimachinery.pkg.apis.meta.v1.Status", "Status");
    // And the schema describes nothing the codecs do not write.
    EXPECT_THAT(walker.Unexercised(), IsEmpty()) << d.name;
  }
}

TEST(OpenApiTest, EveryPropertyIsTypedAndDocumented) {
  for (const Dialect& d : Dialects()) {
    for (const auto& [id, schema] : d.schemas.items()) {
      EXPECT_FALSE(schema.value("description", "").empty()) << id;
      if (!schema.contains("properties")) continue;
      EXPECT_EQ(schema["additionalProperties"], false) << d.name << " " << id;
      for (const auto& [name, p] : schema["properties"].items()) {
        EXPECT_FALSE(p.value("description", "").empty())
            << d.name << " " << id << "." << name;
        EXPECT_TRUE(p.contains("type") || p.contains("$ref") ||
                    p.contains("allOf"))
            << d.name << " " << id << "." << name;
      }
    }
  }
}

TEST(OpenApiTest, TopLevelKindsCarryGroupVersionKind) {
  for (const Dialect& d : Dialects()) {
    for (const char* kind :
         {"Build", "BuildList", "Node", "NodeList", "Event", "EventList"}) {
      const json& s = d.schemas["dev.kiln.v1." + std::string(kind)];
      EXPECT_EQ(
          s["x-kubernetes-group-version-kind"],
          json::array(
              {{{"group", "kiln.dev"}, {"kind", kind}, {"version", "v1"}}}))
          << d.name << " " << kind;
    }
    EXPECT_FALSE(d.schemas["dev.kiln.v1.BuildSpec"].contains(
        "x-kubernetes-group-version-kind"));
  }
}

TEST(OpenApiTest, ReferencesUseEachDialectsShape) {
  const json v2 = OpenApiV2Document()["definitions"]["dev.kiln.v1.Build"];
  EXPECT_EQ(v2["properties"]["spec"]["$ref"],
            "#/definitions/dev.kiln.v1.BuildSpec");
  const json v3 =
      OpenApiV3Document()["components"]["schemas"]["dev.kiln.v1.Build"];
  EXPECT_EQ(v3["properties"]["spec"]["allOf"][0]["$ref"],
            "#/components/schemas/dev.kiln.v1.BuildSpec");
  EXPECT_FALSE(
      v3["properties"]["spec"]["description"].get<std::string>().empty());
  EXPECT_EQ(v3["required"], json({"spec"}));
}

TEST(OpenApiTest, SpecFieldsCarryConstraintsAndDefaults) {
  const json spec = OpenApiV3Document()["components"]["schemas"]
                                       ["dev.kiln.v1.BuildResources"];
  EXPECT_EQ(spec["properties"]["cpus"]["minimum"], 1);
  EXPECT_EQ(spec["properties"]["cpus"]["maximum"], 256);
  EXPECT_EQ(spec["properties"]["memoryMiB"]["default"], 1024);
  const json status =
      OpenApiV3Document()["components"]["schemas"]["dev.kiln.v1.BuildStatus"];
  EXPECT_THAT(status["properties"]["phase"]["enum"], Contains("Cancelled"));
}

// Every operation of both documents, as (path, method, operation).
std::vector<std::tuple<std::string, std::string, json>> Operations(
    const json& doc) {
  std::vector<std::tuple<std::string, std::string, json>> ops;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      if (method != "parameters") ops.emplace_back(path, method, op);
    }
  }
  return ops;
}

bool HasQueryParam(const json& op, const std::string& name) {
  for (const json& p : op["parameters"]) {
    if (p["name"] == name && p["in"] == "query") return true;
  }
  return false;
}

TEST(OpenApiTest, OperationsCarryActionAndGroupVersionKind) {
  for (const Dialect& d : Dialects()) {
    std::set<std::string> ids;
    for (const auto& [path, method, op] : Operations(d.doc)) {
      EXPECT_THAT(path, MatchesRegex("/apis/kiln.dev/v1/.*"));
      EXPECT_TRUE(op["x-kubernetes-group-version-kind"].is_object())
          << d.name << " " << method << " " << path;
      EXPECT_EQ(op["x-kubernetes-group-version-kind"]["group"], "kiln.dev");
      EXPECT_FALSE(op.value("x-kubernetes-action", "").empty());
      EXPECT_TRUE(ids.insert(op["operationId"]).second)
          << "duplicate " << op["operationId"];
    }
  }
}

TEST(OpenApiTest, PatchesAdvertiseFieldValidationAndNoStrategicMerge) {
  for (const Dialect& d : Dialects()) {
    int patches = 0;
    for (const auto& [path, method, op] : Operations(d.doc)) {
      if (method == "post" || method == "put" || method == "patch") {
        EXPECT_TRUE(HasQueryParam(op, "fieldValidation"))
            << d.name << " " << method << " " << path;
      }
      if (method != "patch") continue;
      ++patches;
      EXPECT_EQ(op["x-kubernetes-action"], "patch");
      std::vector<std::string> types;
      if (d.name == std::string("v2")) {
        types = op["consumes"].get<std::vector<std::string>>();
      } else {
        for (const auto& [type, unused] :
             op["requestBody"]["content"].items()) {
          types.push_back(type);
        }
      }
      EXPECT_THAT(types, Contains("application/apply-patch+yaml"));
      EXPECT_THAT(types, Contains("application/merge-patch+json"));
      EXPECT_THAT(types,
                  Not(Contains("application/strategic-merge-patch+json")));
    }
    EXPECT_EQ(patches, 2) << d.name;  // builds and builds/status
  }
}

TEST(OpenApiTest, BuildPathsAndActions) {
  const json paths = OpenApiV3Document()["paths"];
  const std::string ns = "/apis/kiln.dev/v1/namespaces/{namespace}/builds";
  EXPECT_EQ(paths[ns]["get"]["x-kubernetes-action"], "list");
  EXPECT_EQ(paths[ns]["post"]["x-kubernetes-action"], "post");
  EXPECT_EQ(paths[ns]["delete"]["x-kubernetes-action"], "deletecollection");
  EXPECT_EQ(paths[ns]["delete"]["operationId"],
            "deleteKilnDevV1CollectionNamespacedBuild");
  EXPECT_EQ(paths[ns]["get"]["operationId"], "listKilnDevV1NamespacedBuild");
  EXPECT_EQ(paths[ns + "/{name}"]["put"]["x-kubernetes-action"], "put");
  EXPECT_EQ(paths[ns + "/{name}"]["delete"]["x-kubernetes-action"], "delete");
  EXPECT_EQ(paths[ns + "/{name}/status"]["patch"]["operationId"],
            "patchKilnDevV1NamespacedBuildStatus");
  EXPECT_TRUE(
      paths[ns + "/{name}/log"]["get"]["responses"]["200"]["content"].contains(
          "text/plain"));
  EXPECT_EQ(paths["/apis/kiln.dev/v1/builds"]["get"]["operationId"],
            "listKilnDevV1BuildForAllNamespaces");
  EXPECT_EQ(paths["/apis/kiln.dev/v1/nodes/{name}"]["get"]["operationId"],
            "readKilnDevV1Node");
  EXPECT_FALSE(paths.contains("/apis/kiln.dev/v1/nodes/{name}/log"));
  EXPECT_FALSE(
      paths.contains("/apis/kiln.dev/v1/namespaces/{namespace}/sources"));
}

TEST(OpenApiTest, DocumentHeaders) {
  const json v2 = OpenApiV2Document();
  EXPECT_EQ(v2["swagger"], "2.0");
  EXPECT_EQ(v2["info"]["title"], "Kiln");
  const json v3 = OpenApiV3Document();
  EXPECT_EQ(v3["openapi"], "3.0.0");
  EXPECT_TRUE(v3["components"]["securitySchemes"].contains("BearerToken"));
}

TEST(OpenApiHashTest, IsUppercaseSha512) {
  EXPECT_EQ(OpenApiHash(""),
            "CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4A921D36CE9CE"
            "47D0D13C5D85F2B0FF8318D2877EEC2F63B931BD47417A81A538327AF927DA3"
            "E");
}

TEST(OpenApiHashTest, IndexPointsAtTheDocumentWithAStableHash) {
  const OpenApiDocuments& docs = KilnOpenApiDocuments();
  EXPECT_EQ(docs.v3_hash, OpenApiHash(OpenApiV3Document().dump()));
  EXPECT_EQ(docs.v3_hash, OpenApiHash(docs.v3));
  EXPECT_EQ(docs.v3, OpenApiV3Document().dump());
  EXPECT_EQ(docs.v2, OpenApiV2Document().dump());
  EXPECT_THAT(docs.v3_hash, MatchesRegex("[0-9A-F]{128}"));
  EXPECT_EQ(
      json::parse(docs.v3_index),
      json({{"paths",
             {{"apis/kiln.dev/v1",
               {{"serverRelativeURL",
                 "/openapi/v3/apis/kiln.dev/v1?hash=" + docs.v3_hash}}}}}}));
  EXPECT_EQ(&KilnOpenApiDocuments(), &docs);
}

}  // namespace
}  // namespace kiln
