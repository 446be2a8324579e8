#include "api_types/build_list_json.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/json_reader.h"
#include "api_types/object_meta.h"
#include "api_types/object_meta_json.h"

namespace kiln {

nlohmann::json ToJson(const BuildList& list) {
  nlohmann::json items = nlohmann::json::array();
  for (const Build& build : list.items) items.push_back(ToJson(build));
  nlohmann::json j = nlohmann::json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = kBuildListKind;
  j["metadata"] = ToJson(list.metadata);
  j["items"] = std::move(items);
  return j;
}

StatusOr<BuildList> BuildListFromJson(const nlohmann::json& j,
                                      const DecodeOptions& options,
                                      std::vector<FieldError>* errors) {
  const auto decode = [&](ObjectReader& r, BuildList* out) {
    CheckTypeMeta(r, kApiVersion, kBuildListKind, options);
    r.Object("metadata",
             [&](ObjectReader& m) { DecodeListMeta(m, &out->metadata); });
    r.ObjectArray("items", [&](ObjectReader& item) {
      Build build;
      DecodeBuild(item, DecodeOptions{.require_type_meta = false}, &build);
      out->items.push_back(std::move(build));
    });
  };
  return DecodeTopLevel<BuildList>(j, errors, decode);
}

}  // namespace kiln
