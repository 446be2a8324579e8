#include "controller/apiserver/error_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api_types/meta_status_json.h"
#include "controller/apiserver/request_info.h"
#include "controller/apiserver/resource_errors.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

ErrorContext BuildContext(std::string name = "hello") {
  ErrorContext ctx;
  ctx.resource = "builds";
  ctx.kind = "Build";
  ctx.group = "kiln.dev";
  ctx.name = std::move(name);
  return ctx;
}

struct MappingCase {
  StatusCode code;
  bool body_undecodable;
  int http;
  std::string reason;
  std::string details_kind;  // "" = no name/group/kind in details
};

class MapErrorTableTest : public ::testing::TestWithParam<MappingCase> {};

TEST_P(MapErrorTableTest, MapsCodeReasonAndDetails) {
  const MappingCase& c = GetParam();
  ErrorContext ctx = BuildContext();
  ctx.body_undecodable = c.body_undecodable;
  const HttpError e = MapError(Status(c.code, "spec.cpus: boom"), ctx);
  EXPECT_EQ(e.code, c.http);
  EXPECT_EQ(e.body["apiVersion"], "v1");
  EXPECT_EQ(e.body["kind"], "Status");
  EXPECT_EQ(e.body["status"], "Failure");
  EXPECT_EQ(e.body["reason"], c.reason);
  EXPECT_EQ(e.body["code"], c.http);
  EXPECT_THAT(e.body["message"].get<std::string>(), HasSubstr("boom"));
  if (c.details_kind.empty()) {
    EXPECT_FALSE(e.body.contains("details") &&
                 e.body["details"].contains("kind"))
        << e.body.dump();
  } else {
    EXPECT_EQ(e.body["details"]["kind"], c.details_kind);
    EXPECT_EQ(e.body["details"]["name"], "hello");
    EXPECT_EQ(e.body["details"]["group"], "kiln.dev");
  }
  // The body is a metav1 Status our own strict decoder accepts.
  EXPECT_THAT(MetaStatusFromJson(e.body), IsOk());
}

INSTANTIATE_TEST_SUITE_P(
    DesignTable, MapErrorTableTest,
    ::testing::Values(
        MappingCase{StatusCode::kInvalidArgument, false, 422, "Invalid",
                    "Build"},
        MappingCase{StatusCode::kInvalidArgument, true, 400, "BadRequest", ""},
        MappingCase{StatusCode::kNotFound, false, 404, "NotFound", "builds"},
        MappingCase{StatusCode::kAlreadyExists, false, 409, "AlreadyExists",
                    "builds"},
        MappingCase{StatusCode::kAborted, false, 409, "Conflict", "builds"},
        MappingCase{StatusCode::kFailedPrecondition, false, 409, "Conflict",
                    "builds"},
        MappingCase{StatusCode::kResourcesExhausted, false, 503,
                    "ServiceUnavailable", "builds"},
        MappingCase{StatusCode::kOutOfRange, false, 410, "Expired", ""},
        MappingCase{StatusCode::kUnavailable, false, 503, "ServiceUnavailable",
                    ""},
        MappingCase{StatusCode::kUnauthenticated, false, 401, "Unauthorized",
                    ""},
        MappingCase{StatusCode::kPermissionDenied, false, 403, "Forbidden",
                    "builds"},
        MappingCase{StatusCode::kInternal, false, 500, "InternalError", ""}));

TEST(MapErrorTest, InvalidNamesTheQualifiedKindAndCarriesCauses) {
  ErrorDetails details;
  details.causes = {{"FieldValueInvalid", "must be > 0", "spec.resources.cpus"},
                    {"FieldValueInvalid", "unknown field", "spec.resourcse"}};
  const Status status =
      InvalidArgumentError(
          "spec.resources.cpus: must be > 0; spec.resourcse: unknown field")
          .WithDetails(details);
  const HttpError e = MapError(status, BuildContext());
  EXPECT_EQ(e.body["message"],
            "Build.kiln.dev \"hello\" is invalid: spec.resources.cpus: must "
            "be > 0; spec.resourcse: unknown field");
  EXPECT_EQ(e.body["details"]["causes"], json::parse(R"([
              {"reason": "FieldValueInvalid", "message": "must be > 0",
               "field": "spec.resources.cpus"},
              {"reason": "FieldValueInvalid", "message": "unknown field",
               "field": "spec.resourcse"}])"));
  EXPECT_THAT(e.headers, IsEmpty());
}

TEST(MapErrorTest, InvalidWithoutCausesTakesTheFieldFromTheMessage) {
  const HttpError e = MapError(
      InvalidArgumentError("spec.resources.cpus: 512 is more than any node "
                           "has (8)"),
      BuildContext());
  EXPECT_EQ(e.code, 422);
  EXPECT_EQ(e.body["details"]["causes"],
            json::parse(R"json([{"reason": "FieldValueInvalid",
                                 "message": "512 is more than any node has (8)",
                                 "field": "spec.resources.cpus"}])json"));
}

TEST(MapErrorTest, InvalidWithoutCausesOrFieldHasNoDetails) {
  // kubectl then prints "The request is invalid: <message>" instead of a
  // bare "The Build "hello" is invalid".
  const HttpError e = MapError(
      InvalidArgumentError("the patch does not apply: no path /spec/x"),
      BuildContext());
  EXPECT_EQ(e.code, 422);
  EXPECT_EQ(e.body["message"],
            "Build.kiln.dev \"hello\" is invalid: the patch does not apply: "
            "no path /spec/x");
  EXPECT_FALSE(e.body.contains("details"));
}

TEST(MapErrorTest, UndecodableBodyIsBadRequestWithThePlainMessage) {
  ErrorContext ctx = BuildContext();
  ctx.body_undecodable = true;
  const HttpError e =
      MapError(InvalidArgumentError("json parse error at byte 12"), ctx);
  EXPECT_EQ(e.code, 400);
  EXPECT_EQ(e.body["message"], "json parse error at byte 12");
  EXPECT_FALSE(e.body.contains("details"));
}

TEST(MapErrorTest, KeepsResourceErrorWording) {
  EXPECT_EQ(MapError(ResourceNotFound("builds", "hello"), BuildContext())
                .body["message"],
            "builds.kiln.dev \"hello\" not found");
  EXPECT_EQ(MapError(ResourceConflict("builds", "hello"), BuildContext())
                .body["message"],
            "Operation cannot be fulfilled on builds.kiln.dev \"hello\": the "
            "object has been modified; please apply your changes to the "
            "latest version and try again");
}

TEST(MapErrorTest, CapacityRefusalHasRetryAfterHeaderDetailsAndCause) {
  ErrorDetails details;
  details.causes = {{"ResourcesExhausted",
                     "requested cpus=2 memoryMiB=1024; free cpus=1", ""}};
  details.retry_after_seconds = 42;
  const Status status =
      ResourcesExhaustedError(
          "builds.kiln.dev \"hello\": insufficient capacity on node "
          "\"node-a\"")
          .WithDetails(details);
  const HttpError e = MapError(status, BuildContext());
  EXPECT_EQ(e.code, 503);
  EXPECT_THAT(e.headers, ElementsAre(Pair("Retry-After", "42")));
  EXPECT_EQ(e.body["details"]["retryAfterSeconds"], 42);
  EXPECT_EQ(e.body["details"]["causes"][0]["reason"], "ResourcesExhausted");
  EXPECT_EQ(e.body["details"]["causes"][0]["message"],
            "requested cpus=2 memoryMiB=1024; free cpus=1");
  EXPECT_EQ(e.body["message"],
            "builds.kiln.dev \"hello\": insufficient capacity on node "
            "\"node-a\"; retry after 42 seconds");
}

TEST(MapErrorTest, ResourcesExhaustedWithoutHintStillSaysWhenToRetry) {
  const HttpError e =
      MapError(ResourcesExhaustedError("too many open watches for this client"),
               ErrorContext{});
  EXPECT_THAT(e.headers, ElementsAre(Pair("Retry-After", "1")));
  EXPECT_EQ(e.body["details"]["retryAfterSeconds"], 1);
}

TEST(MapErrorTest, AnyErrorWithARetryHintGetsTheHeader) {
  ErrorDetails details;
  details.retry_after_seconds = 5;
  const HttpError e = MapError(
      UnavailableError("the server is shutting down").WithDetails(details),
      ErrorContext{});
  EXPECT_EQ(e.code, 503);
  EXPECT_THAT(e.headers, ElementsAre(Pair("Retry-After", "5")));
}

TEST(MapErrorTest, InternalErrorIsPrefixedAndHasTheCause) {
  const HttpError e =
      MapError(InternalError("sqlite: disk I/O error"), BuildContext());
  EXPECT_EQ(e.body["message"],
            "Internal error occurred: sqlite: disk I/O error");
  EXPECT_EQ(e.body["details"]["causes"][0]["message"],
            "sqlite: disk I/O error");
}

TEST(MapErrorTest, UnauthenticatedWithoutMessageSaysUnauthorized) {
  EXPECT_EQ(MapError(UnauthenticatedError(""), {}).body["message"],
            "Unauthorized");
}

TEST(MapErrorTest, OkStatusIsAnInternalError) {
  const HttpError e = MapError(OkStatus(), BuildContext());
  EXPECT_EQ(e.code, 500);
  EXPECT_EQ(e.body["reason"], "InternalError");
}

TEST(MapErrorTest, NonResourceErrorHasNoDetails) {
  const HttpError e = MapError(
      NotFoundError("the server could not find the requested resource"),
      ErrorContext{});
  EXPECT_FALSE(e.body.contains("details"));
}

TEST(ErrorContextForTest, FillsResourceKindGroupAndName) {
  ASSERT_OK_AND_ASSIGN(
      RequestInfo info,
      ParseRequestInfo(
          "PUT", "/apis/kiln.dev/v1/namespaces/default/builds/b/status", {}));
  const ErrorContext ctx = ErrorContextFor(info);
  EXPECT_EQ(ctx.resource, "builds");
  EXPECT_EQ(ctx.kind, "Build");
  EXPECT_EQ(ctx.group, "kiln.dev");
  EXPECT_EQ(ctx.name, "b");
  EXPECT_FALSE(ctx.body_undecodable);
  EXPECT_EQ(ErrorContextFor(RequestInfo{}).resource, "");
}

TEST(HttpErrorHelpersTest, MethodNotAllowedListsAllowedMethods) {
  const HttpError e =
      MethodNotAllowedError("POST", "/apis/kiln.dev/v1/nodes", {"GET"});
  EXPECT_EQ(e.code, 405);
  EXPECT_EQ(e.body["reason"], "MethodNotAllowed");
  EXPECT_EQ(e.body["message"],
            "POST is not supported on /apis/kiln.dev/v1/nodes; allowed "
            "methods: GET");
  EXPECT_THAT(e.headers, Contains(Pair("Allow", "GET")));
}

TEST(HttpErrorHelpersTest, NotAcceptableListsProducibleTypes) {
  const HttpError e =
      NotAcceptableError({"application/json", "application/yaml"});
  EXPECT_EQ(e.code, 406);
  EXPECT_EQ(e.body["reason"], "NotAcceptable");
  EXPECT_EQ(e.body["message"],
            "only the following media types are accepted: application/json, "
            "application/yaml");
}

TEST(HttpErrorHelpersTest, RequestEntityTooLargeNamesTheLimitAndHint) {
  const HttpError e = RequestEntityTooLargeError(
      3145728, "send large build contexts as an archive source");
  EXPECT_EQ(e.code, 413);
  EXPECT_EQ(e.body["reason"], "RequestEntityTooLarge");
  EXPECT_EQ(e.body["message"],
            "Request entity too large: limit is 3145728 bytes; send large "
            "build contexts as an archive source");
}

TEST(HttpErrorHelpersTest, UnsupportedMediaTypeUsesKubeApiserverWording) {
  const HttpError e = UnsupportedMediaTypeError(
      {"application/json-patch+json", "application/merge-patch+json",
       "application/apply-patch+yaml"});
  EXPECT_EQ(e.code, 415);
  EXPECT_EQ(e.body["reason"], "UnsupportedMediaType");
  EXPECT_EQ(e.body["message"],
            "the body of the request was in an unknown format - accepted "
            "media types include: application/json-patch+json, "
            "application/merge-patch+json, application/apply-patch+yaml");
}

}  // namespace
}  // namespace kiln
