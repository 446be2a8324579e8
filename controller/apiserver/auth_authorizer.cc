#include "controller/apiserver/auth_authorizer.h"

#include <string>
#include <string_view>
#include <utility>

namespace kiln {
namespace {

bool IsReadVerb(std::string_view verb) {
  return verb == "get" || verb == "list" || verb == "watch";
}

bool IsPrivileged(const UserInfo& user) {
  return user.InGroup(kAdminGroup) || user.InGroup(kControllerGroup);
}

// Discovery and health paths, exact or with a sub-path ("/apis/kiln.dev/v1",
// "/openapi/v3/apis/kiln.dev/v1", "/healthz/ping").
bool IsPublicPath(std::string_view path) {
  for (std::string_view root : {"/version", "/api", "/apis", "/openapi",
                                "/healthz", "/readyz", "/livez"}) {
    if (IsPathUnder(path, root)) return true;
  }
  return false;
}

bool MayUseNamespace(const UserInfo& user, const std::string& ns) {
  return !ns.empty() && user.InGroup(kNamespaceGroupPrefix + ns);
}

bool IsUser(const UserInfo& user) {
  if (user.InGroup(kUsersGroup)) return true;
  for (const std::string& group : user.groups) {
    if (group.rfind(kNamespaceGroupPrefix, 0) == 0) return true;
  }
  return false;
}

// The reason a user may not, "" when they may.
std::string UserRefusal(const UserInfo& user, const RequestInfo& request) {
  if (request.api_group == kAccessReviewGroup) {
    return request.resource == kSelfAccessReviews && request.verb == "create"
               ? ""
               : "not allowed";
  }
  if (request.resource == "nodes") {
    return IsUser(user) && IsReadVerb(request.verb) ? "" : "not allowed";
  }
  const bool writes_allowed =
      request.resource == "builds" || request.resource == "sources";
  if (!writes_allowed &&
      !(request.resource == "events" && IsReadVerb(request.verb))) {
    return "not allowed";
  }
  if (request.namespace_.empty()) {
    return "listing across all namespaces is for administrators; name a "
           "namespace (-n)";
  }
  if (!MayUseNamespace(user, request.namespace_)) {
    return "not a member of group \"" + std::string(kNamespaceGroupPrefix) +
           request.namespace_ + "\"";
  }
  return "";
}

// Go's %q for the plain strings that appear here.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// kube-apiserver's forbiddenMessage + apierrors.NewForbidden.
Status Forbidden(const UserInfo& user, const RequestInfo& request,
                 std::string_view reason) {
  std::string message;
  if (!request.is_resource_request) {
    message = "forbidden: User " + Quote(user.name) + " cannot " +
              request.verb + " path " + Quote(request.path);
  } else {
    std::string resource = request.resource;
    if (!request.subresource.empty()) resource += "/" + request.subresource;
    std::string qualified = request.resource;
    if (!request.api_group.empty()) qualified += "." + request.api_group;
    message = qualified +
              (request.name.empty() ? "" : " " + Quote(request.name)) +
              " is forbidden: User " + Quote(user.name) + " cannot " +
              request.verb + " resource " + Quote(resource) + " in API group " +
              Quote(request.api_group) +
              (request.namespace_.empty()
                   ? " at the cluster scope"
                   : " in the namespace " + Quote(request.namespace_));
  }
  if (!reason.empty()) message += ": " + std::string(reason);
  return PermissionDeniedError(std::move(message));
}

Status AuthorizeNonResource(const UserInfo& user, const RequestInfo& request) {
  if (IsPrivileged(user)) return OkStatus();
  const bool read = request.verb == "get" || request.verb == "head";
  if (read && IsPublicPath(request.path)) return OkStatus();
  return Forbidden(user, request, "");
}

}  // namespace

Status Authorize(const UserInfo& user, const RequestInfo& request) {
  if (!request.is_resource_request) return AuthorizeNonResource(user, request);
  if (request.subresource == "status" && !IsReadVerb(request.verb)) {
    if (user.InGroup(kControllerGroup)) return OkStatus();
    return Forbidden(user, request,
                     "status is written only by the Kiln controller (group " +
                         std::string(kControllerGroup) +
                         "); change the spec instead");
  }
  if (IsPrivileged(user)) return OkStatus();
  const std::string refusal = UserRefusal(user, request);
  if (refusal.empty()) return OkStatus();
  return Forbidden(user, request, refusal == "not allowed" ? "" : refusal);
}

}  // namespace kiln
