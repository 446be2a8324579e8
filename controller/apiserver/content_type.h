// Content negotiation as kube-apiserver does it for a custom resource:
// which request bodies the server decodes (Content-Type) and which encoding a
// response uses (Accept).
//
//   request bodies   POST/PUT: application/json (also when absent),
//                    application/yaml; PATCH: application/json-patch+json,
//                    application/merge-patch+json,
//                    application/apply-patch+yaml. Everything else (strategic
//                    merge patch, protobuf, CBOR) is 415: kubectl then prints
//                    the accepted list. The one exception is the
//                    SelfSubjectAccessReview, which stock kubectl sends only
//                    as protobuf (api_types/protobuf/access_review.h).
//   responses        application/json, application/yaml, and the meta.k8s.io
//                    v1 Table (application/json;as=Table;g=meta.k8s.io;v=v1)
//                    where a table is possible. `*/*` and `application/*` mean
//                    JSON; an Accept listing only protobuf is 406.
//
// Pure functions: thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

// One media type or media range, e.g. "application/json;as=Table;v=v1".
struct MediaType {
  std::string type;     // lowercased: "application", "*"
  std::string subtype;  // lowercased: "json", "*"
  // Parameter names lowercased, values unquoted and kept as sent; "q" is
  // moved to `q`.
  std::map<std::string, std::string> params;
  double q = 1.0;

  // The parameter `name`, or "".
  std::string Param(const std::string& name) const;
  // "type/subtype", without parameters.
  std::string Essence() const { return type + "/" + subtype; }
};

// Parses one media type. nullopt when malformed (no "/", empty type or
// subtype, bad parameter syntax).
std::optional<MediaType> ParseMediaType(std::string_view text);

// Parses an Accept header into its alternatives, most preferred first:
// ordered by q (stable, so ties keep the client's order), q=0 and malformed
// entries dropped. An empty header means "*/*".
std::vector<MediaType> ParseAccept(std::string_view header);

// What a request body is.
enum class BodyType {
  kJson,
  kYaml,
  kJsonPatch,   // application/json-patch+json (RFC 6902)
  kMergePatch,  // application/merge-patch+json (RFC 7386)
  kApplyPatch,  // application/apply-patch+yaml (server-side apply; YAML or
                // JSON text)
};

// The body type of a `method` request with header `content_type`
// (parameters such as charset are ignored), or nullopt when the server does
// not take that type for that method: answer 415 with
// UnsupportedMediaTypeError(AcceptedBodyTypes(method)).
std::optional<BodyType> RequestBodyType(std::string_view method,
                                        std::string_view content_type);

// True when `content_type` is the media type `essence` ("type/subtype",
// lowercase), whatever its parameters.
bool IsMediaType(std::string_view content_type, std::string_view essence);

// The media types RequestBodyType accepts for `method`, in kube-apiserver's
// order, for the 415 message.
std::vector<std::string> AcceptedBodyTypes(std::string_view method);

// How to encode a response.
enum class ResponseType {
  kJson,
  kYaml,
  kTable,  // meta.k8s.io/v1 Table, as JSON
};

// Picks the most preferred alternative of `accept` the server can produce;
// kTable only when `table_allowed` (get/list/watch of builds, nodes,
// events). Alternatives asking for another conversion
// (as=APIGroupDiscoveryList, as=PartialObjectMetadata, Table v1beta1) are
// skipped, as kube-apiserver skips those it cannot serve. nullopt: answer 406
// with NotAcceptableError(ProducibleTypes(table_allowed)).
std::optional<ResponseType> NegotiateResponseType(std::string_view accept,
                                                  bool table_allowed);

// The media types NegotiateResponseType can choose, for the 406 message.
std::vector<std::string> ProducibleTypes(bool table_allowed);

// The Content-Type header value for `type`.
std::string ContentTypeFor(ResponseType type);

// True when `accept` allows plain JSON (discovery, OpenAPI, /version): an
// alternative application/json without `as=`, application/*, or */*. Note
// that kubectl asks /openapi/v2 only as protobuf
// (application/com.github.proto-openapi.spec.v2@v1.0+protobuf): answer that
// with 406 so it does not try to parse JSON as protobuf.
bool AcceptsJson(std::string_view accept);

}  // namespace kiln
