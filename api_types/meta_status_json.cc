#include "api_types/meta_status_json.h"

#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "api_types/json_reader.h"
#include "api_types/json_writer.h"
#include "api_types/object_meta.h"
#include "api_types/object_meta_json.h"

namespace kiln {
namespace {

nlohmann::json DetailsToJson(const StatusDetails& details) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  PutString(j, "name", details.name);
  PutString(j, "group", details.group);
  PutString(j, "kind", details.kind);
  PutString(j, "uid", details.uid);
  if (!details.causes.empty()) {
    nlohmann::json causes = nlohmann::json::array();
    for (const StatusCause& cause : details.causes) {
      nlohmann::json c = nlohmann::json::object();
      PutString(c, "reason", cause.reason);
      PutString(c, "message", cause.message);
      PutString(c, "field", cause.field);
      causes.push_back(std::move(c));
    }
    j["causes"] = std::move(causes);
  }
  PutOptionalInt(j, "retryAfterSeconds", details.retry_after_seconds);
  return j;
}

void DecodeDetails(ObjectReader& r, StatusDetails* out) {
  r.String("name", &out->name);
  r.String("group", &out->group);
  r.String("kind", &out->kind);
  r.String("uid", &out->uid);
  r.ObjectArray("causes", [&](ObjectReader& c) {
    StatusCause cause;
    c.String("reason", &cause.reason);
    c.String("message", &cause.message);
    c.String("field", &cause.field);
    out->causes.push_back(std::move(cause));
  });
  r.Int64("retryAfterSeconds", &out->retry_after_seconds);
}

}  // namespace

nlohmann::json ToJson(const MetaStatus& status) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  j["apiVersion"] = kMetaStatusApiVersion;
  j["kind"] = kMetaStatusKind;
  j["metadata"] = nlohmann::json::object();
  PutString(j, "status", status.status);
  PutString(j, "message", status.message);
  PutString(j, "reason", status.reason);
  if (status.details) j["details"] = DetailsToJson(*status.details);
  PutInt(j, "code", status.code);
  return j;
}

StatusOr<MetaStatus> MetaStatusFromJson(const nlohmann::json& j,
                                        const DecodeOptions& options,
                                        std::vector<FieldError>* errors) {
  const auto decode = [&](ObjectReader& r, MetaStatus* out) {
    CheckTypeMeta(r, kMetaStatusApiVersion, kMetaStatusKind, options);
    r.Object("metadata", [&](ObjectReader& m) {
      ListMeta ignored;
      DecodeListMeta(m, &ignored);
    });
    r.String("status", &out->status);
    r.String("message", &out->message);
    r.String("reason", &out->reason);
    r.Object("details", [&](ObjectReader& d) {
      StatusDetails details;
      DecodeDetails(d, &details);
      out->details = std::move(details);
    });
    r.Int32("code", &out->code);
  };
  return DecodeTopLevel<MetaStatus>(j, errors, decode);
}

}  // namespace kiln
