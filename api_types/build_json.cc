#include "api_types/build_json.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/json_writer.h"
#include "api_types/object_meta.h"
#include "api_types/object_meta_json.h"

namespace kiln {
namespace {

nlohmann::json SourceToJson(const BuildSource& source) {
  nlohmann::json j = nlohmann::json::object();
  if (source.archive) {
    nlohmann::json archive = nlohmann::json::object();
    json_writer::PutString(archive, "digest", source.archive->digest);
    j["archive"] = archive;
  }
  if (source.inline_source) {
    nlohmann::json inline_source = nlohmann::json::object();
    json_writer::PutStringMap(inline_source, "files",
                              source.inline_source->files);
    j["inline"] = inline_source;
  }
  return j;
}

void DecodeSource(ObjectReader& r, BuildSource* out) {
  r.Object("archive", [&](ObjectReader& a) {
    ArchiveSource archive;
    a.String("digest", &archive.digest);
    out->archive = archive;
  });
  r.Object("inline", [&](ObjectReader& i) {
    InlineSource inline_source;
    i.StringMap("files", &inline_source.files);
    out->inline_source = inline_source;
  });
}

}  // namespace

nlohmann::json ToJson(const BuildSpec& spec) {
  using namespace json_writer;
  nlohmann::json j = nlohmann::json::object();
  PutObject(j, "source", SourceToJson(spec.source));
  PutString(j, "dockerfile", spec.dockerfile);
  PutStringMap(j, "buildArgs", spec.build_args);
  if (spec.output) {
    nlohmann::json output = nlohmann::json::object();
    PutString(output, "image", spec.output->image);
    j["output"] = output;
  }
  nlohmann::json resources = nlohmann::json::object();
  PutOptionalInt(resources, "cpus", spec.resources.cpus);
  PutOptionalInt(resources, "memoryMiB", spec.resources.memory_mib);
  PutObject(j, "resources", resources);
  PutOptionalInt(j, "timeoutSeconds", spec.timeout_seconds);
  PutBool(j, "cancel", spec.cancel);
  return j;
}

void DecodeBuildSpec(ObjectReader& r, BuildSpec* out) {
  r.Object("source", [&](ObjectReader& s) { DecodeSource(s, &out->source); });
  r.String("dockerfile", &out->dockerfile);
  r.StringMap("buildArgs", &out->build_args);
  r.Object("output", [&](ObjectReader& o) {
    BuildOutput output;
    o.String("image", &output.image);
    out->output = output;
  });
  r.Object("resources", [&](ObjectReader& res) {
    res.Int64("cpus", &out->resources.cpus);
    res.Int64("memoryMiB", &out->resources.memory_mib);
  });
  r.Int64("timeoutSeconds", &out->timeout_seconds);
  r.Bool("cancel", &out->cancel);
}

nlohmann::json ToJson(const Build& build) {
  nlohmann::json j = nlohmann::json::object();
  j["apiVersion"] = kApiVersion;
  j["kind"] = kBuildKind;
  j["metadata"] = ToJson(build.metadata);
  j["spec"] = ToJson(build.spec);
  json_writer::PutObject(j, "status", ToJson(build.status));
  return j;
}

void DecodeBuild(ObjectReader& r, const DecodeOptions& options, Build* out) {
  CheckTypeMeta(r, kApiVersion, kBuildKind, options);
  r.Object("metadata",
           [&](ObjectReader& m) { DecodeObjectMeta(m, &out->metadata); });
  r.Object("spec", [&](ObjectReader& s) { DecodeBuildSpec(s, &out->spec); });
  r.Object("status",
           [&](ObjectReader& s) { DecodeBuildStatus(s, &out->status); });
}

StatusOr<Build> BuildFromJson(const nlohmann::json& j,
                              const DecodeOptions& options,
                              std::vector<FieldError>* errors) {
  return DecodeTopLevel<Build>(j, errors, [&](ObjectReader& r, Build* out) {
    DecodeBuild(r, options, out);
  });
}

}  // namespace kiln
