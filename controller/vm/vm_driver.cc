#include "controller/vm/vm_driver.h"

#include <cctype>

namespace kiln {

std::string VmNameForBuild(const std::string& build_uid) {
  std::string name = "kiln-";
  for (char c : build_uid) {
    if (c == '-') continue;
    name.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return name;
}

}  // namespace kiln
