#include "controller/store/continue_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "controller/base/hex.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

// Hex-encodes `text` the way Encode does, to forge tokens.
std::string Forge(const std::string& text) { return HexEncode(text); }

TEST(ContinueTokenTest, RoundTrips) {
  const ContinueToken token{42, "builds/default/a", "ns=default"};
  ASSERT_OK_AND_ASSIGN(ContinueToken decoded,
                       ContinueToken::Decode(token.Encode()));
  EXPECT_EQ(decoded.revision, 42);
  EXPECT_EQ(decoded.last_key, "builds/default/a");
  EXPECT_EQ(decoded.query, "ns=default");
}

// A forged token with a member of the wrong type used to throw out of
// nlohmann's value() and answer 500; every such token is InvalidArgument.
TEST(ContinueTokenTest, WrongMemberTypesAreInvalidArgument) {
  for (const std::string body :
       {R"({"v":"1","rv":1,"k":"a","q":""})",
        R"({"v":1,"rv":"1","k":"a","q":""})", R"({"v":1,"rv":1,"k":2,"q":""})",
        R"({"v":1,"rv":1,"k":"a","q":[]})",
        R"({"v":1.5,"rv":1,"k":"a","q":""})",
        R"({"v":2,"rv":1,"k":"a","q":""})", R"({"v":1,"rv":-3,"k":"a","q":""})",
        R"([1,2])", R"("x")", "{"}) {
    EXPECT_THAT(ContinueToken::Decode(Forge(body)),
                StatusIs(StatusCode::kInvalidArgument,
                         HasSubstr("invalid continue token")))
        << body;
  }
  EXPECT_THAT(ContinueToken::Decode("zz"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not hex")));
  EXPECT_THAT(ContinueToken::Decode("abc"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("bad length")));
}

}  // namespace
}  // namespace kiln
