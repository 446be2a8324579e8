// PATCH bodies as BuildStorage::Patch and ::Apply take them: parse, apply to
// a stored Build's JSON, decode the result strictly, default and validate it
// as an update. Input: one selector byte (low 2 bits: merge patch, JSON
// patch, apply; bit 2: the status subresource), then the body.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/build_json.h"
#include "api_types/defaulting.h"
#include "api_types/validation.h"
#include "controller/apiserver/build_storage_internal.h"
#include "controller/apiserver/patch.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/fuzz/fuzz_check.h"

namespace kiln {
namespace {

using build_storage_internal::DecodeBuildBody;
using build_storage_internal::ParseResourceVersion;
using ::nlohmann::json;

// What BuildStorage does with a patched or merged object.
void Admit(const Build& live, const json& patched, bool check_rv) {
  const StatusOr<Build> desired =
      DecodeBuildBody(patched, {.require_type_meta = false});
  if (!fuzz::CheckClientError(desired, "DecodeBuildBody")) return;
  if (check_rv) {
    fuzz::CheckClientError(
        ParseResourceVersion(desired->metadata.resource_version),
        "ParseResourceVersion");
  }
  Build build = *desired;
  ApplyBuildDefaults(build, BuildDefaults{});
  (void)ValidateBuildUpdate(live, build);
  (void)ValidateBuildStatusUpdate(live, build);
  (void)ToJson(build).dump();
}

void Patch(const Build& live, std::string_view body, int kind,
           bool status_subresource) {
  const json live_json = ToJson(live);
  if (kind == 0) {
    const StatusOr<json> patch = ParseMergePatch(body);
    if (!fuzz::CheckClientError(patch, "ParseMergePatch")) return;
    Admit(live, ApplyMergePatch(live_json, *patch),
          MergePatchSetsResourceVersion(*patch));
  } else if (kind == 1) {
    const StatusOr<json> ops = ParseJsonPatch(body);
    if (!fuzz::CheckClientError(ops, "ParseJsonPatch")) return;
    const StatusOr<json> patched = ApplyJsonPatch(live_json, *ops);
    if (!fuzz::CheckClientError(patched, "ApplyJsonPatch")) return;
    Admit(live, *patched, JsonPatchSetsResourceVersion(*ops));
  } else {
    const StatusOr<json> applied = ParseApplyConfiguration(body);
    if (!fuzz::CheckClientError(applied, "ParseApplyConfiguration")) return;
    const StatusOr<Build> config = DecodeBuildBody(*applied, DecodeOptions{});
    if (!fuzz::CheckClientError(config, "DecodeBuildBody (apply)")) return;
    fuzz::CheckClientError(
        ParseResourceVersion(config->metadata.resource_version),
        "ParseResourceVersion (apply)");
    Admit(live,
          MergeAppliedConfiguration(live_json, *applied, status_subresource),
          false);
  }
}

}  // namespace
}  // namespace kiln

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const kiln::Build live = kiln::testing_fixtures::FullBuild();
  const int kind = (data[0] & 3) % 3;
  kiln::Patch(live, kiln::fuzz::AsText(data + 1, size - 1), kind,
              (data[0] & 4) != 0);
  return 0;
}
