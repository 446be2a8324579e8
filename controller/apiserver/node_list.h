// NodeList (kiln.dev/v1): a page of Nodes with its list metadata, as
// NodeStorage::List returns it and the API server serves it. Plain value
// type: thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/node.h"
#include "api_types/object_meta.h"

namespace kiln {

inline constexpr char kNodeListKind[] = "NodeList";

struct NodeList {
  ListMeta metadata;
  std::vector<Node> items;
  friend bool operator==(const NodeList&, const NodeList&) = default;
};

// {apiVersion: kiln.dev/v1, kind: NodeList, metadata, items: [...]}; items
// are full Nodes (with apiVersion/kind) and always written, [] when empty.
nlohmann::json ToJson(const NodeList& list);

}  // namespace kiln
