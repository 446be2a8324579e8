#include "controller/apiserver/node_list.h"

#include "api_types/node_json.h"
#include "api_types/object_meta_json.h"

namespace kiln {

nlohmann::json ToJson(const NodeList& list) {
  nlohmann::json items = nlohmann::json::array();
  for (const Node& node : list.items) items.push_back(ToJson(node));
  nlohmann::json j = nlohmann::json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = kNodeListKind;
  j["metadata"] = ToJson(list.metadata);
  j["items"] = std::move(items);
  return j;
}

}  // namespace kiln
