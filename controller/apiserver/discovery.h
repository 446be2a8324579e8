// The API surface of kiln.dev/v1 (which resources and subresources exist,
// their kinds, scopes and verbs) and the discovery documents kubectl reads
// before any other request: GET /version, /api, /apis, /apis/kiln.dev and
// /apis/kiln.dev/v1, in the legacy (unaggregated) JSON format.
//
// kubectl v1.32 asks /api and /apis for the aggregated format first
// (Accept:
// application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,
// ...,application/json); a plain `Content-Type: application/json` answer
// makes it read the legacy format and then fetch /apis/kiln.dev/v1.
// /api answers APIVersions with no versions: kubectl then knows there is no
// core group and never asks /api/v1 (listing "v1" without serving /api/v1
// makes every kubectl command fail discovery).
//
// Pure functions over constant tables: thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "controller/apiserver/request_info.h"

namespace kiln {

// One entry of the APIResourceList: a resource or a subresource.
struct ApiResource {
  std::string name;           // "builds", or "builds/status" for subresources
  std::string singular_name;  // "build"; "" for subresources
  std::string kind;           // "Build"
  bool namespaced = true;
  std::vector<std::string> verbs;  // Kubernetes verbs, sorted
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  // False for endpoints that are routed like resources but are not objects
  // (the source upload endpoint): kept out of discovery and OpenAPI.
  bool discoverable = true;
};

// Every resource and subresource of kiln.dev/v1, resources before their
// subresources.
const std::vector<ApiResource>& KilnApiResources();

// The entry for `resource` (e.g. "builds") and `subresource` ("" for the
// resource itself, or "status", "log"), or nullptr when it does not exist.
const ApiResource* FindApiResource(std::string_view resource,
                                   std::string_view subresource = "");

// True when the resource `info` addresses serves `info.verb` at that path:
// the verb is in its verbs, and a namespaced resource addressed without a
// namespace (/apis/kiln.dev/v1/builds) is only listed or watched. A false
// answer means HTTP 405 (see MethodNotAllowedError and AllowedMethods).
// REQUIRES: info is a resource request from ParseRequestInfo.
bool ServesVerb(const RequestInfo& info);

// The HTTP methods the path of `info` serves, e.g. {"GET", "POST", "DELETE"}
// for a builds collection; for the Allow header of a 405.
// REQUIRES: info is a resource request from ParseRequestInfo.
std::vector<std::string> AllowedMethods(const RequestInfo& info);

// What GET /version reports. The Kubernetes version Kiln's API follows is
// fixed (kubectl warns when client and server minor versions differ by more
// than one); the rest describes the kilnd build.
struct VersionInfo {
  std::string kiln_version = "0.1.0";
  std::string git_commit;
  std::string git_tree_state = "clean";
  std::string build_date = "1970-01-01T00:00:00Z";
};

inline constexpr char kKubernetesMajor[] = "1";
inline constexpr char kKubernetesMinor[] = "32";

// {major: "1", minor: "32", gitVersion: "v1.32.0+kiln-0.1.0", gitCommit,
// gitTreeState, buildDate, goVersion: "", compiler, platform: "linux/amd64"}.
// The Kiln version is semver build metadata, as k3s does ("v1.32.4+k3s1").
nlohmann::json VersionJson(const VersionInfo& info);

// GET /api: {kind: APIVersions, versions: [], serverAddressByClientCIDRs: []}.
nlohmann::json ApiVersionsJson();

// GET /apis: APIGroupList with the kiln.dev group.
nlohmann::json ApiGroupListJson();

// GET /apis/kiln.dev: APIGroup.
nlohmann::json ApiGroupJson();

// GET /apis/kiln.dev/v1: APIResourceList of the discoverable resources.
nlohmann::json ApiResourceListJson();

}  // namespace kiln
