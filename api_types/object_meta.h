// metav1.ObjectMeta and metav1.TypeMeta as Kiln stores and serves them.
// Plain value types: thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api_types/time.h"

namespace kiln {

inline constexpr char kGroup[] = "kiln.dev";
inline constexpr char kVersion[] = "v1";
inline constexpr char kApiVersion[] = "kiln.dev/v1";

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // wire: namespace
  std::string uid;
  std::string resource_version;  // opaque decimal string; "" when unset
  int64_t generation = 0;
  std::optional<Timestamp> creation_timestamp;
  std::optional<Timestamp> deletion_timestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> finalizers;

  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

// metadata of a list: resourceVersion, continue, remainingItemCount.
struct ListMeta {
  std::string resource_version;
  std::string continue_token;  // wire: continue
  std::optional<int64_t> remaining_item_count;

  friend bool operator==(const ListMeta&, const ListMeta&) = default;
};

}  // namespace kiln
