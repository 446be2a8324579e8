// Follows k8s.io/apiserver/pkg/endpoints/request.RequestInfoFactory for the
// paths Kiln serves, and answers NotFound itself for API paths it does not
// serve (kube-apiserver leaves that to its mux): the handler never sees an
// unknown group, version, resource or subresource.
#include "controller/apiserver/request_info.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

#include "api_types/object_meta.h"
#include "controller/apiserver/discovery.h"

namespace kiln {
namespace {

// Trims leading/trailing '/' and splits on '/', keeping inner empty
// segments (as kube-apiserver's splitPath).
std::vector<std::string> SplitPath(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::vector<std::string> parts;
  if (path.empty()) return parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The verb a method means for a resource request, before the collection
// adjustments (get -> list/watch, delete -> deletecollection).
std::string VerbForMethod(std::string_view method) {
  if (method == "POST") return "create";
  if (method == "GET" || method == "HEAD") return "get";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return "delete";
  return "";
}

// As metav1.ListOptions decodes `watch`: present and not "0"/"false".
bool WantsWatch(const std::map<std::string, std::string>& query) {
  auto it = query.find("watch");
  if (it == query.end()) return false;
  return it->second != "0" && Lower(it->second) != "false";
}

Status PathNotFound(std::string_view method, std::string_view path) {
  return NotFoundError("the server could not find the requested resource (" +
                       std::string(method) + " " + std::string(path) + ")");
}

// True for the paths that are not resource requests (discovery, OpenAPI,
// health, metrics) among those under /api and /apis.
bool IsApiDiscoveryPath(const std::vector<std::string>& parts) {
  if (parts.size() == 1) return true;  // /api, /apis
  if (parts[0] != "apis" || parts[1] != kGroup) return false;
  return parts.size() == 2 || (parts.size() == 3 && parts[2] == kVersion);
}

// Fills namespace/resource/name/subresource from the segments after
// /apis/kiln.dev/v1 and checks them against the served resources.
bool ParseResourceParts(std::vector<std::string> parts, RequestInfo* info) {
  if (std::any_of(parts.begin(), parts.end(),
                  [](const std::string& p) { return p.empty(); })) {
    return false;  // "//" inside the path
  }
  if (!parts.empty() && parts[0] == "namespaces") {
    if (parts.size() < 3) return false;  // the namespaces resource itself
    info->namespace_ = parts[1];
    parts.erase(parts.begin(), parts.begin() + 2);
  }
  if (parts.empty() || parts.size() > 3) return false;
  info->resource = parts[0];
  if (parts.size() >= 2) info->name = parts[1];
  if (parts.size() == 3) info->subresource = parts[2];
  const ApiResource* resource =
      FindApiResource(info->resource, info->subresource);
  if (resource == nullptr) return false;
  if (!info->namespace_.empty()) return resource->namespaced;
  if (!resource->namespaced) return true;
  // A namespaced resource without a namespace: only the collection, which
  // lists and watches across all namespaces.
  return info->name.empty() && info->subresource.empty();
}

}  // namespace

StatusOr<RequestInfo> ParseRequestInfo(
    const std::string& method, const std::string& path,
    const std::map<std::string, std::string>& query) {
  RequestInfo info;
  info.path = path;
  info.verb = Lower(method);
  const std::vector<std::string> parts = SplitPath(path);
  if (parts.empty() || (parts[0] != "api" && parts[0] != "apis")) {
    return info;  // /version, /openapi/..., /healthz, /metrics, ...
  }
  if (IsApiDiscoveryPath(parts)) return info;
  if (parts.size() == 4 && parts[0] == "apis" &&
      parts[1] == kAccessReviewGroup && parts[2] == "v1" &&
      parts[3] == kSelfAccessReviews) {
    info.is_resource_request = true;
    info.api_group = kAccessReviewGroup;
    info.api_version = "v1";
    info.resource = kSelfAccessReviews;
    info.verb = VerbForMethod(method) == "get" ? "list" : VerbForMethod(method);
    return info;
  }
  if (parts[0] != "apis" || parts.size() < 4 || parts[1] != kGroup ||
      parts[2] != kVersion) {
    return PathNotFound(method, path);
  }
  info.is_resource_request = true;
  info.api_group = kGroup;
  info.api_version = kVersion;
  if (!ParseResourceParts({parts.begin() + 3, parts.end()}, &info)) {
    return PathNotFound(method, path);
  }
  info.verb = VerbForMethod(method);
  if (info.name.empty() && info.verb == "get") {
    info.verb = WantsWatch(query) ? "watch" : "list";
  }
  if (info.name.empty() && info.verb == "delete") {
    info.verb = "deletecollection";
  }
  return info;
}

bool IsPathUnder(std::string_view path, std::string_view root) {
  return path.substr(0, root.size()) == root &&
         (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace kiln
