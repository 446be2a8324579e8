// AccessReviewFromProtobuf on bodies encoded by hand from Kubernetes' field
// numbers (not with the generated messages), so a wrong number in
// k8s_wire.proto fails here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "api_types/protobuf/access_review.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

// A length-delimited field (wire type 2).
std::string Field(int number, std::string_view bytes) {
  return Varint(static_cast<uint64_t>(number) << 3 | 2) + Varint(bytes.size()) +
         std::string(bytes);
}

std::string Envelope(std::string_view raw,
                     std::string_view kind = "SelfSubjectAccessReview",
                     std::string_view encoding = "") {
  const std::string type_meta =
      Field(1, "authorization.k8s.io/v1") + Field(2, kind);
  return std::string("k8s\0", 4) + Field(1, type_meta) + Field(2, raw) +
         Field(3, encoding) + Field(4, "");
}

TEST(AccessReviewProtobufTest, DecodesResourceAttributesAsKubectlSendsThem) {
  const std::string attributes =
      Field(1, "team-a") + Field(2, "update") + Field(3, "kiln.dev") +
      Field(4, "v1") + Field(5, "builds") + Field(6, "status") + Field(7, "b1");
  // metadata (1) is sent, empty, and ignored.
  const std::string review = Field(1, "") + Field(2, Field(1, attributes));
  ASSERT_OK_AND_ASSIGN(nlohmann::json json,
                       AccessReviewFromProtobuf(Envelope(review)));
  EXPECT_EQ(json["apiVersion"], "authorization.k8s.io/v1");
  EXPECT_EQ(json["kind"], "SelfSubjectAccessReview");
  EXPECT_EQ(json["spec"]["resourceAttributes"],
            (nlohmann::json{{"namespace", "team-a"},
                            {"verb", "update"},
                            {"group", "kiln.dev"},
                            {"version", "v1"},
                            {"resource", "builds"},
                            {"subresource", "status"},
                            {"name", "b1"}}));
  EXPECT_FALSE(json["spec"].contains("nonResourceAttributes"));
}

TEST(AccessReviewProtobufTest, DecodesNonResourceAttributes) {
  const std::string review =
      Field(2, Field(2, Field(1, "/healthz") + Field(2, "get")));
  ASSERT_OK_AND_ASSIGN(nlohmann::json json,
                       AccessReviewFromProtobuf(Envelope(review)));
  EXPECT_EQ(json["spec"]["nonResourceAttributes"],
            (nlohmann::json{{"path", "/healthz"}, {"verb", "get"}}));
}

TEST(AccessReviewProtobufTest, RefusesWhatIsNotAReviewNamingWhy) {
  EXPECT_THAT(AccessReviewFromProtobuf("{\"kind\":\"x\"}"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("magic")));
  EXPECT_THAT(
      AccessReviewFromProtobuf(std::string("k8s\0\xff\xff", 6)),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("runtime.Unknown")));
  EXPECT_THAT(AccessReviewFromProtobuf(Envelope("", "Pod")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Pod")));
  EXPECT_THAT(
      AccessReviewFromProtobuf(Envelope("", "SelfSubjectAccessReview", "gzip")),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("gzip")));
  EXPECT_THAT(AccessReviewFromProtobuf(Envelope("\x12\x05"
                                                "ab")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("raw")));
}

TEST(AccessReviewProtobufTest, SkipsUnknownFieldsWithoutFollowingThem) {
  // A spec holding only an unknown field nested 2,000 deep: skipped as
  // bytes, so the review simply asks nothing (the handler says so).
  std::string nested;
  for (int i = 0; i < 2000; ++i) nested = Field(9, nested);
  ASSERT_OK_AND_ASSIGN(nlohmann::json json,
                       AccessReviewFromProtobuf(Envelope(Field(2, nested))));
  EXPECT_EQ(json["spec"], nlohmann::json::object());
}

}  // namespace
}  // namespace kiln
