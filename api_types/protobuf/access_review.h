// SelfSubjectAccessReview bodies in Kubernetes' protobuf encoding
// (application/vnd.kubernetes.protobuf), which stock `kubectl auth can-i`
// sends: decoded into the JSON form the API server handles.
//
// Pure functions: thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// The media type of Kubernetes' protobuf encoding.
inline constexpr char kKubernetesProtobufType[] =
    "application/vnd.kubernetes.protobuf";

// Decodes `body`: the magic "k8s\0", then a runtime.Unknown whose type is
// authorization.k8s.io/v1 SelfSubjectAccessReview (an absent type is taken
// as that) and whose `raw` holds the review. Returns
// {"apiVersion", "kind", "spec": {"resourceAttributes" |
// "nonResourceAttributes": {...the fields that were set}}}. InvalidArgument
// naming what is wrong: no magic, not protobuf, another kind, or a
// content encoding (gzip) Kiln does not read.
StatusOr<nlohmann::json> AccessReviewFromProtobuf(std::string_view body);

}  // namespace kiln
