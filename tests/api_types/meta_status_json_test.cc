#include "api_types/meta_status_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "api_types/field_error.h"
#include "tests/api_types/codec_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::ElementsAre;
using testing_fixtures::FullMetaStatus;

const char kCanonicalStatus[] = R"json({
  "apiVersion": "v1",
  "kind": "Status",
  "metadata": {},
  "status": "Failure",
  "message": "builds.kiln.dev \"hello\" does not fit now",
  "reason": "ServiceUnavailable",
  "details": {
    "name": "hello", "group": "kiln.dev", "kind": "builds",
    "uid": "2f1c7a4e-9a51-4c1e-8f0e-3b7d1a2c5e60",
    "causes": [
      {"reason": "ResourcesExhausted", "message": "requested 2 cpus, 1 free",
       "field": "spec.resources.cpus"},
      {"reason": "FieldValueInvalid", "message": "must be > 0",
       "field": "spec.timeoutSeconds"}
    ],
    "retryAfterSeconds": 30
  },
  "code": 503
})json";

std::vector<FieldError> MetaStatusErrors(const json& j) {
  std::vector<FieldError> errors;
  (void)MetaStatusFromJson(j, {}, &errors);
  return errors;
}

TEST(MetaStatusJsonTest, EncodesFullStatusAsCanonicalJson) {
  EXPECT_EQ(ToJson(FullMetaStatus()), json::parse(kCanonicalStatus));
}

TEST(MetaStatusJsonTest, RoundTripsFullyPopulatedStatus) {
  ASSERT_OK_AND_ASSIGN(const MetaStatus decoded,
                       MetaStatusFromJson(ToJson(FullMetaStatus())));
  EXPECT_EQ(decoded, FullMetaStatus());
}

TEST(MetaStatusJsonTest, RoundTripsCanonicalJson) {
  const json canonical = json::parse(kCanonicalStatus);
  ASSERT_OK_AND_ASSIGN(const MetaStatus decoded, MetaStatusFromJson(canonical));
  EXPECT_EQ(ToJson(decoded), canonical);
}

TEST(MetaStatusJsonTest, EncodesMinimalStatus) {
  MetaStatus s;
  s.status = "Failure";
  s.reason = "NotFound";
  s.code = 404;
  EXPECT_EQ(ToJson(s), json::parse(R"({"apiVersion": "v1", "kind": "Status",
      "metadata": {}, "status": "Failure", "reason": "NotFound",
      "code": 404})"));
  s.details = StatusDetails{};
  EXPECT_EQ(ToJson(s)["details"], json::object());
  ASSERT_OK_AND_ASSIGN(const MetaStatus decoded, MetaStatusFromJson(ToJson(s)));
  EXPECT_EQ(decoded, s);
}

TEST(MetaStatusJsonTest, AcceptsListMetaInMetadata) {
  const json j = json::parse(R"({"apiVersion": "v1", "kind": "Status",
      "metadata": {"resourceVersion": "5"}, "status": "Success"})");
  ASSERT_OK_AND_ASSIGN(const MetaStatus decoded, MetaStatusFromJson(j));
  EXPECT_EQ(decoded.status, "Success");
}

TEST(MetaStatusJsonTest, RejectsBadFieldsWithPaths) {
  const json j = json::parse(R"({"apiVersion": "kiln.dev/v1", "kind": "Status",
      "metadata": {"name": "x"}, "code": 4294967296,
      "details": {"causes": [{"field": "a"}, {"field": 1, "type": "x"}],
                  "retryAfterSeconds": "30"}})");
  EXPECT_THAT(
      MetaStatusErrors(j),
      ElementsAre(
          FieldError{"apiVersion", "must be \"v1\", got \"kiln.dev/v1\""},
          FieldError{"metadata.name", "unknown field"},
          FieldError{"details.causes[1].field", "expected string, got integer"},
          FieldError{"details.causes[1].type", "unknown field"},
          FieldError{"details.retryAfterSeconds",
                     "expected integer, got string"},
          FieldError{"code", "integer out of range"}));
}

}  // namespace
}  // namespace kiln
