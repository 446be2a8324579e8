// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: "may I?",
// answered by the same Authorize the requests themselves go through, so
// `kubectl auth can-i` tells the truth. Stock kubectl sends the review as
// protobuf; JSON and YAML are taken too. The answer is JSON.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_types/protobuf/access_review.h"
#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/auth_authorizer.h"
#include "controller/apiserver/content_type.h"

namespace kiln {
namespace {

// The string member `key` of `object`, "" when absent or not a string.
std::string Member(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The request the review asks about, from spec.resourceAttributes or
// spec.nonResourceAttributes. InvalidArgument naming the field otherwise.
StatusOr<RequestInfo> AskedRequest(const nlohmann::json& review) {
  const nlohmann::json* spec = nullptr;
  if (review.is_object() && review.contains("spec") &&
      review["spec"].is_object()) {
    spec = &review["spec"];
  }
  RequestInfo asked;
  const auto resource = spec ? spec->find("resourceAttributes") : review.end();
  const auto path = spec ? spec->find("nonResourceAttributes") : review.end();
  if (spec && resource != spec->end() && resource->is_object()) {
    asked.is_resource_request = true;
    asked.verb = Member(*resource, "verb");
    asked.api_group = Member(*resource, "group");
    asked.api_version = Member(*resource, "version");
    asked.namespace_ = Member(*resource, "namespace");
    asked.resource = Member(*resource, "resource");
    asked.subresource = Member(*resource, "subresource");
    asked.name = Member(*resource, "name");
  } else if (spec && path != spec->end() && path->is_object()) {
    asked.verb = Member(*path, "verb");
    asked.path = Member(*path, "path");
  } else {
    return InvalidArgumentError(
        "spec: exactly one of resourceAttributes and nonResourceAttributes "
        "is required");
  }
  if (asked.verb.empty()) {
    return InvalidArgumentError(
        std::string(asked.is_resource_request ? "spec.resourceAttributes"
                                              : "spec.nonResourceAttributes") +
        ".verb: Required value");
  }
  return asked;
}

}  // namespace

HttpResponse ApiHandler::HandleAccessReview(const HttpRequest& request,
                                            const RequestInfo& info,
                                            const UserInfo& user) {
  if (info.verb != "create") {
    return FromHttpError(
        MethodNotAllowedError(request.method, request.path, {"POST"}));
  }
  const bool protobuf =
      IsMediaType(request.Header("content-type"), kKubernetesProtobufType);
  if (!protobuf &&
      !RequestBodyType(request.method, request.Header("content-type"))) {
    std::vector<std::string> accepted = AcceptedBodyTypes(request.method);
    accepted.push_back(kKubernetesProtobufType);
    return FromHttpError(UnsupportedMediaTypeError(accepted));
  }
  StatusOr<nlohmann::json> review =
      protobuf ? AccessReviewFromProtobuf(request.body) : DecodeBody(request);
  if (!review.ok()) return Error(review.status(), info, true);
  StatusOr<RequestInfo> asked = AskedRequest(*review);
  if (!asked.ok()) return Error(asked.status(), info);
  const Status decision = Authorize(user, *asked);
  nlohmann::json status = {{"allowed", decision.ok()}};
  if (!decision.ok()) status["reason"] = decision.message();
  nlohmann::json out = {{"apiVersion", "authorization.k8s.io/v1"},
                        {"kind", "SelfSubjectAccessReview"},
                        {"metadata", {{"creationTimestamp", nullptr}}},
                        {"spec", (*review)["spec"]},
                        {"status", std::move(status)}};
  return JsonResponse(201, out);
}

}  // namespace kiln
