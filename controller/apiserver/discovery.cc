#include "controller/apiserver/discovery.h"

#include <algorithm>
#include <string>
#include <vector>

#include "api_types/object_meta.h"

namespace kiln {
namespace {

#if defined(__x86_64__)
constexpr char kPlatform[] = "linux/amd64";
#elif defined(__aarch64__)
constexpr char kPlatform[] = "linux/arm64";
#else
constexpr char kPlatform[] = "linux/unknown";
#endif

std::vector<ApiResource> MakeResources() {
  const std::vector<std::string> kAll = {"create", "delete", "deletecollection",
                                         "get",    "list",   "patch",
                                         "update", "watch"};
  const std::vector<std::string> kRead = {"get", "list", "watch"};
  const std::vector<std::string> kStatus = {"get", "patch", "update"};
  return {
      {"builds", "build", "Build", true, kAll, {"bld"}, {"kiln"}, true},
      {"builds/status", "", "Build", true, kStatus, {}, {}, true},
      {"builds/log", "", "Build", true, {"get"}, {}, {}, true},
      {"nodes", "node", "Node", false, kRead, {}, {"kiln"}, true},
      {"nodes/status", "", "Node", false, {"get"}, {}, {}, true},
      {"events", "event", "Event", true, kRead, {}, {}, true},
      // POST a tar(.gz) body, GET one back by digest: not an object.
      {"sources", "source", "", true, {"create", "get"}, {}, {}, false},
  };
}

nlohmann::json GroupVersionJson() {
  return {{"groupVersion", kApiVersion}, {"version", kVersion}};
}

nlohmann::json GroupJson() {
  return {{"name", kGroup},
          {"versions", nlohmann::json::array({GroupVersionJson()})},
          {"preferredVersion", GroupVersionJson()}};
}

nlohmann::json ResourceJson(const ApiResource& r) {
  nlohmann::json j = {{"name", r.name},
                      {"singularName", r.singular_name},
                      {"namespaced", r.namespaced},
                      {"kind", r.kind},
                      {"verbs", r.verbs}};
  if (!r.short_names.empty()) j["shortNames"] = r.short_names;
  if (!r.categories.empty()) j["categories"] = r.categories;
  return j;
}

}  // namespace

const std::vector<ApiResource>& KilnApiResources() {
  static const std::vector<ApiResource>* const kResources =
      new std::vector<ApiResource>(MakeResources());
  return *kResources;
}

const ApiResource* FindApiResource(std::string_view resource,
                                   std::string_view subresource) {
  std::string name(resource);
  if (!subresource.empty()) name += "/" + std::string(subresource);
  for (const ApiResource& r : KilnApiResources()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

bool ServesVerb(const RequestInfo& info) {
  const ApiResource* resource =
      FindApiResource(info.resource, info.subresource);
  if (resource == nullptr) return false;
  if (resource->namespaced && info.namespace_.empty() && info.verb != "list" &&
      info.verb != "watch") {
    return false;
  }
  return std::find(resource->verbs.begin(), resource->verbs.end(), info.verb) !=
         resource->verbs.end();
}

std::vector<std::string> AllowedMethods(const RequestInfo& info) {
  const ApiResource* resource =
      FindApiResource(info.resource, info.subresource);
  if (resource == nullptr) return {};
  const bool collection = info.name.empty();
  const bool all_namespaces = resource->namespaced && info.namespace_.empty();
  // Kubernetes verb -> HTTP method, at a collection or at an item path.
  const std::pair<const char*, const char*> kCollection[] = {
      {"list", "GET"}, {"create", "POST"}, {"deletecollection", "DELETE"}};
  const std::pair<const char*, const char*> kItem[] = {{"get", "GET"},
                                                       {"update", "PUT"},
                                                       {"patch", "PATCH"},
                                                       {"delete", "DELETE"}};
  std::vector<std::string> methods;
  const auto add = [&](const auto& table) {
    for (const auto& [verb, method] : table) {
      if (all_namespaces && std::string_view(verb) != "list") continue;
      if (std::find(resource->verbs.begin(), resource->verbs.end(), verb) !=
          resource->verbs.end()) {
        methods.push_back(method);
      }
    }
  };
  if (collection) {
    add(kCollection);
  } else {
    add(kItem);
  }
  return methods;
}

nlohmann::json VersionJson(const VersionInfo& info) {
  return {{"major", kKubernetesMajor},
          {"minor", kKubernetesMinor},
          {"gitVersion", std::string("v") + kKubernetesMajor + "." +
                             kKubernetesMinor + ".0+kiln-" + info.kiln_version},
          {"gitCommit", info.git_commit},
          {"gitTreeState", info.git_tree_state},
          {"buildDate", info.build_date},
          {"goVersion", ""},
          {"compiler", "gcc"},
          {"platform", kPlatform}};
}

nlohmann::json ApiVersionsJson() {
  return {{"kind", "APIVersions"},
          {"versions", nlohmann::json::array()},
          {"serverAddressByClientCIDRs", nlohmann::json::array()}};
}

nlohmann::json ApiGroupListJson() {
  return {{"kind", "APIGroupList"},
          {"apiVersion", "v1"},
          {"groups", nlohmann::json::array({GroupJson()})}};
}

nlohmann::json ApiGroupJson() {
  nlohmann::json j = {{"kind", "APIGroup"}, {"apiVersion", "v1"}};
  j.update(GroupJson());
  return j;
}

nlohmann::json ApiResourceListJson() {
  nlohmann::json resources = nlohmann::json::array();
  for (const ApiResource& r : KilnApiResources()) {
    if (r.discoverable) resources.push_back(ResourceJson(r));
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", kApiVersion},
          {"resources", std::move(resources)}};
}

}  // namespace kiln
