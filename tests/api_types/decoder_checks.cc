#include "tests/api_types/decoder_checks.h"

#include <exception>
#include <vector>

#include "api_types/build.h"
#include "api_types/build_json.h"
#include "api_types/build_list_json.h"
#include "api_types/build_yaml.h"
#include "api_types/defaulting.h"
#include "api_types/event_json.h"
#include "api_types/json_parse.h"
#include "api_types/meta_status_json.h"
#include "api_types/node_json.h"
#include "api_types/status.h"
#include "api_types/utf8.h"
#include "api_types/validation.h"
#include "api_types/yaml_codec.h"
#include "api_types/yaml_decode.h"

namespace kiln::testing_fixtures {
namespace {

using ::nlohmann::json;

std::string Shown(std::string_view input) {
  return "\ninput: " + SanitizeForMessage(input, 200);
}

// An error must be InvalidArgument with a non-empty, valid UTF-8 message.
template <typename T>
bool CheckResult(const StatusOr<T>& result, std::string_view what,
                 std::string_view input, const FailureSink& fail) {
  if (result.ok()) return true;
  const Status& status = result.status();
  if (status.code() != StatusCode::kInvalidArgument ||
      status.message().empty() || !IsValidUtf8(status.message())) {
    fail(std::string(what) + ": " + SanitizeForMessage(status.ToString(), 300) +
         Shown(input));
  }
  return false;
}

// Decode -> encode -> decode gives the same value.
template <typename T, typename Decoder>
void CheckRoundTrip(const T& value, Decoder&& decode, std::string_view what,
                    std::string_view input, const FailureSink& fail) {
  const StatusOr<T> again = decode(ToJson(value));
  if (!again.ok() || !(*again == value)) {
    fail(std::string(what) + " does not round-trip" + Shown(input));
  }
}

// Defaulting, validation and the update rules of a decoded Build.
void CheckBuild(const Build& build, std::string_view input,
                const FailureSink& fail) {
  Build defaulted = build;
  ApplyBuildDefaults(defaulted, BuildDefaults{});
  Build twice = defaulted;
  ApplyBuildDefaults(twice, BuildDefaults{});
  if (!(twice == defaulted))
    fail("defaulting is not idempotent" + Shown(input));
  const std::vector<FieldError> errors = ValidateBuild(defaulted);
  const std::vector<FieldError> update =
      ValidateBuildUpdate(defaulted, defaulted);
  if (update.size() != errors.size()) {
    fail("an update to the same Build adds errors" + Shown(input));
  }
  if (!ValidateBuildStatusUpdate(defaulted, defaulted).empty()) {
    fail("a status update to the same status fails" + Shown(input));
  }
  const Status status = FieldErrorsToStatus(errors);
  if (!errors.empty() && (status.code() != StatusCode::kInvalidArgument ||
                          !IsValidUtf8(status.message()))) {
    fail("validation error is not valid UTF-8" + Shown(input));
  }
}

// Block YAML of `value` reads back as `value`.
void CheckYamlRoundTrip(const json& value, std::string_view input,
                        const FailureSink& fail) {
  const StatusOr<std::string> yaml = JsonToYaml(value);
  if (!CheckResult(yaml, "JsonToYaml", input, fail)) return;
  const StatusOr<std::vector<json>> back = YamlDocumentsToJson(*yaml);
  if (!back.ok()) {
    fail("JsonToYaml output does not parse: " + back.status().ToString() +
         Shown(input));
  } else if ((back->empty() ? json() : (*back)[0]) != value) {
    fail("JsonToYaml does not round-trip\nyaml: " + *yaml + Shown(input));
  }
}

}  // namespace

void CheckJsonValue(const json& value, std::string_view input,
                    const FailureSink& fail) {
  const auto build_decoder = [](const json& j) { return BuildFromJson(j); };
  const StatusOr<Build> build = BuildFromJson(value);
  if (CheckResult(build, "BuildFromJson", input, fail)) {
    CheckRoundTrip(*build, build_decoder, "Build", input, fail);
    CheckBuild(*build, input, fail);
  }
  const StatusOr<Build> partial =
      BuildFromJson(value, {.require_type_meta = false});
  if (CheckResult(partial, "BuildFromJson (partial)", input, fail)) {
    CheckBuild(*partial, input, fail);
  }
  const StatusOr<BuildList> list = BuildListFromJson(value);
  if (CheckResult(list, "BuildListFromJson", input, fail)) {
    CheckRoundTrip(
        *list, [](const json& j) { return BuildListFromJson(j); }, "BuildList",
        input, fail);
  }
  const StatusOr<Node> node = NodeFromJson(value);
  if (CheckResult(node, "NodeFromJson", input, fail)) {
    CheckRoundTrip(
        *node, [](const json& j) { return NodeFromJson(j); }, "Node", input,
        fail);
    (void)ValidateNode(*node);
  }
  CheckResult(EventFromJson(value), "EventFromJson", input, fail);
  CheckResult(MetaStatusFromJson(value), "MetaStatusFromJson", input, fail);
}

void CheckJsonText(std::string_view text, const FailureSink& fail) {
  try {
    const StatusOr<json> parsed = ParseJson(text);
    if (!CheckResult(parsed, "ParseJson", text, fail)) return;
    CheckJsonValue(*parsed, text, fail);
    CheckYamlRoundTrip(*parsed, text, fail);
  } catch (const std::exception& e) {
    fail(std::string("threw ") + e.what() + Shown(text));
  }
}

void CheckYamlText(std::string_view text, const FailureSink& fail) {
  try {
    const StatusOr<std::vector<YamlDocument>> docs = ParseYamlDocuments(text);
    if (CheckResult(docs, "ParseYamlDocuments", text, fail)) {
      for (const YamlDocument& doc : *docs) {
        CheckJsonValue(doc.json, text, fail);
        CheckResult(DecodeYamlDocument<Build>(doc, BuildFromJson, {}),
                    "DecodeYamlDocument<Build>", text, fail);
        CheckResult(JsonToYaml(doc.json), "JsonToYaml", text, fail);
      }
    }
    CheckResult(BuildsFromYaml(text), "BuildsFromYaml", text, fail);
    CheckResult(BuildFromYaml(text), "BuildFromYaml", text, fail);
  } catch (const std::exception& e) {
    fail(std::string("threw ") + e.what() + Shown(text));
  }
}

}  // namespace kiln::testing_fixtures
