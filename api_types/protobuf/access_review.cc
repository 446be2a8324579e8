#include "api_types/protobuf/access_review.h"

#include <string>

#include "api_types/protobuf/k8s_wire.pb.h"

namespace kiln {
namespace {

constexpr std::string_view kMagic("k8s\0", 4);
constexpr char kApiVersion[] = "authorization.k8s.io/v1";
constexpr char kKind[] = "SelfSubjectAccessReview";

// Adds `value` as `key` when the sender set it (proto2 presence), as the
// JSON encoding omits empty optional strings.
void SetIf(nlohmann::json& out, const char* key, bool has,
           const std::string& value) {
  if (has) out[key] = value;
}

nlohmann::json ResourceJson(const k8s_wire::ResourceAttributes& r) {
  nlohmann::json out = nlohmann::json::object();
  SetIf(out, "namespace", r.has_namespace_(), r.namespace_());
  SetIf(out, "verb", r.has_verb(), r.verb());
  SetIf(out, "group", r.has_group(), r.group());
  SetIf(out, "version", r.has_version(), r.version());
  SetIf(out, "resource", r.has_resource(), r.resource());
  SetIf(out, "subresource", r.has_subresource(), r.subresource());
  SetIf(out, "name", r.has_name(), r.name());
  return out;
}

nlohmann::json NonResourceJson(const k8s_wire::NonResourceAttributes& n) {
  nlohmann::json out = nlohmann::json::object();
  SetIf(out, "path", n.has_path(), n.path());
  SetIf(out, "verb", n.has_verb(), n.verb());
  return out;
}

}  // namespace

StatusOr<nlohmann::json> AccessReviewFromProtobuf(std::string_view body) {
  if (body.substr(0, kMagic.size()) != kMagic) {
    return InvalidArgumentError(
        std::string("the body is not ") + kKubernetesProtobufType +
        ": it does not start with the magic \"k8s\\0\"");
  }
  body.remove_prefix(kMagic.size());
  k8s_wire::Unknown envelope;
  if (!envelope.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgumentError(
        "the body is not a valid protobuf runtime.Unknown");
  }
  const std::string api_version = envelope.type_meta().api_version();
  const std::string kind = envelope.type_meta().kind();
  if ((!api_version.empty() && api_version != kApiVersion) ||
      (!kind.empty() && kind != kKind)) {
    return InvalidArgumentError("the body is a " + api_version + " " + kind +
                                ", want a " + kApiVersion + " " + kKind);
  }
  if (!envelope.content_encoding().empty()) {
    return InvalidArgumentError("contentEncoding \"" +
                                envelope.content_encoding() +
                                "\" is not supported: send the review as is");
  }
  k8s_wire::SelfSubjectAccessReview review;
  if (!review.ParseFromString(envelope.raw())) {
    return InvalidArgumentError(
        "raw: not a valid protobuf SelfSubjectAccessReview");
  }
  nlohmann::json spec = nlohmann::json::object();
  if (review.spec().has_resource_attributes()) {
    spec["resourceAttributes"] =
        ResourceJson(review.spec().resource_attributes());
  }
  if (review.spec().has_non_resource_attributes()) {
    spec["nonResourceAttributes"] =
        NonResourceJson(review.spec().non_resource_attributes());
  }
  return nlohmann::json{
      {"apiVersion", kApiVersion}, {"kind", kKind}, {"spec", std::move(spec)}};
}

}  // namespace kiln
