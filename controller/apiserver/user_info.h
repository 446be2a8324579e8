// The authenticated caller of a request.
#pragma once

#include <string>
#include <vector>

namespace kiln {

// Group of the reconcilers' identity: the only one allowed to write status.
inline constexpr char kControllerGroup[] = "kiln:controllers";
// Group with full access to the API.
inline constexpr char kAdminGroup[] = "system:masters";

struct UserInfo {
  std::string name;  // "admin", "kiln-controller", "system:anonymous"
  std::string uid;
  std::vector<std::string> groups;

  bool InGroup(const std::string& group) const {
    for (const auto& g : groups) {
      if (g == group) return true;
    }
    return false;
  }
};

}  // namespace kiln
