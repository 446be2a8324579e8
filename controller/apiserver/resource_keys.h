// Store keys of the resources the API serves (docs/store.md "Contract").
#pragma once

#include <string>

#include "controller/store/store.h"

namespace kiln {

inline constexpr char kBuildsResource[] = "builds";  // namespaced
inline constexpr char kNodesResource[] = "nodes";    // cluster-scoped

inline ObjectKey BuildObjectKey(const std::string& ns,
                                const std::string& name) {
  return ObjectKey{kBuildsResource, ns, name};
}

inline ObjectKey NodeObjectKey(const std::string& name) {
  return ObjectKey{kNodesResource, "", name};
}

}  // namespace kiln
