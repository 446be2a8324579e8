// RequestInfo: what an HTTP request addresses, parsed from its method, path
// and query as kube-apiserver's RequestInfoFactory does. Pure: no I/O.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

struct RequestInfo {
  // false for /version, /api, /apis, /openapi/..., /healthz, /metrics, ...
  bool is_resource_request = false;
  // Kubernetes verb: get, list, watch, create, update, patch, delete,
  // deletecollection (resource requests); the lowercase method otherwise.
  std::string verb;
  std::string api_group;    // "kiln.dev"
  std::string api_version;  // "v1"
  std::string namespace_;   // "" for cluster-scoped or all-namespace lists
  std::string resource;     // "builds", "nodes", "events", "sources"
  std::string subresource;  // "status", "log" or ""
  std::string name;         // "" for collection requests
  std::string path;         // the request path, unchanged
};

// The one resource Kiln serves outside kiln.dev: kubectl auth can-i's
// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews.
inline constexpr char kAccessReviewGroup[] = "authorization.k8s.io";
inline constexpr char kSelfAccessReviews[] = "selfsubjectaccessreviews";

// True when `path` is `root` or below it ("/healthz", "/healthz/ping"; not
// "/healthzz").
bool IsPathUnder(std::string_view path, std::string_view root);

// Parses `method` + `path` (+ query, for watch=1 / watch=true). Paths under
// /apis/kiln.dev/v1/ that are malformed (e.g. too many segments) give
// NotFound with a message naming the path.
StatusOr<RequestInfo> ParseRequestInfo(
    const std::string& method, const std::string& path,
    const std::map<std::string, std::string>& query);

}  // namespace kiln
