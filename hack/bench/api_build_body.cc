#include "hack/bench/api_build_body.h"

#include <nlohmann/json.hpp>

namespace kiln::bench {

std::string BuildsPath(const std::string& ns) {
  return "/apis/kiln.dev/v1/namespaces/" + ns + "/builds";
}

std::string BuildBody(const std::string& name,
                      const std::map<std::string, std::string>& annotations) {
  nlohmann::json metadata = {{"name", name}};
  if (!annotations.empty()) metadata["annotations"] = annotations;
  nlohmann::json body = {
      {"apiVersion", "kiln.dev/v1"},
      {"kind", "Build"},
      {"metadata", metadata},
      {"spec",
       {{"source",
         {{"inline", {{"files", {{"Dockerfile", "FROM kiln/busybox:1\n"}}}}}}},
        {"resources", {{"cpus", 1}, {"memoryMiB", 64}}}}}};
  return body.dump();
}

}  // namespace kiln::bench
