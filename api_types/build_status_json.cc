// BuildStatus half of the Build JSON codec (declared in build_json.h).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "api_types/build_json.h"
#include "api_types/condition_json.h"
#include "api_types/json_writer.h"
#include "api_types/phase.h"
#include "api_types/utf8.h"

namespace kiln {

nlohmann::json ToJson(const BuildStatus& status) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  PutString(j, "phase", std::string(PhaseName(status.phase)));
  PutString(j, "reason", status.reason);
  PutString(j, "message", status.message);
  if (!status.conditions.empty()) {
    nlohmann::json conditions = nlohmann::json::array();
    for (const Condition& c : status.conditions)
      conditions.push_back(ToJson(c));
    j["conditions"] = std::move(conditions);
  }
  PutInt(j, "observedGeneration", status.observed_generation);
  PutString(j, "nodeName", status.node_name);
  if (status.vm) {
    nlohmann::json vm = nlohmann::json::object();
    PutString(vm, "name", status.vm->name);
    PutString(vm, "driver", status.vm->driver);
    j["vm"] = std::move(vm);
  }
  PutTime(j, "startedAt", status.started_at);
  PutTime(j, "completedAt", status.completed_at);
  PutOptionalInt(j, "durationMs", status.duration_ms);
  if (status.image) {
    nlohmann::json image = nlohmann::json::object();
    PutString(image, "ref", status.image->ref);
    PutString(image, "digest", status.image->digest);
    j["image"] = std::move(image);
  }
  if (status.provenance) {
    const Provenance& p = *status.provenance;
    nlohmann::json provenance = nlohmann::json::object();
    PutString(provenance, "sourceDigest", p.source_digest);
    PutString(provenance, "baseImageDigest", p.base_image_digest);
    PutString(provenance, "dockerfileDigest", p.dockerfile_digest);
    PutString(provenance, "builder", p.builder);
    j["provenance"] = std::move(provenance);
  }
  PutInt(j, "logBytes", status.log_bytes);
  return j;
}

void DecodeBuildStatus(ObjectReader& r, BuildStatus* out) {
  std::string phase;
  if (r.String("phase", &phase)) {
    if (std::optional<BuildPhase> p = ParsePhase(phase)) {
      out->phase = *p;
    } else {
      r.AddError("phase", "unsupported value \"" +
                              SanitizeForMessage(phase, 64) +
                              "\" (want Pending, Building, Pushing, Ready, "
                              "Failed or Cancelled)");
    }
  }
  r.String("reason", &out->reason);
  r.String("message", &out->message);
  r.ObjectArray("conditions", [&](ObjectReader& c) {
    Condition condition;
    DecodeCondition(c, &condition);
    out->conditions.push_back(std::move(condition));
  });
  r.Int64("observedGeneration", &out->observed_generation);
  r.String("nodeName", &out->node_name);
  r.Object("vm", [&](ObjectReader& v) {
    VmRef vm;
    v.String("name", &vm.name);
    v.String("driver", &vm.driver);
    out->vm = vm;
  });
  r.Time("startedAt", &out->started_at);
  r.Time("completedAt", &out->completed_at);
  r.Int64("durationMs", &out->duration_ms);
  r.Object("image", [&](ObjectReader& i) {
    ImageRef image;
    i.String("ref", &image.ref);
    i.String("digest", &image.digest);
    out->image = image;
  });
  r.Object("provenance", [&](ObjectReader& p) {
    Provenance provenance;
    p.String("sourceDigest", &provenance.source_digest);
    p.String("baseImageDigest", &provenance.base_image_digest);
    p.String("dockerfileDigest", &provenance.dockerfile_digest);
    p.String("builder", &provenance.builder);
    out->provenance = provenance;
  });
  r.Int64("logBytes", &out->log_bytes);
}

}  // namespace kiln
