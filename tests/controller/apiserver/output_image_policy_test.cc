#include "controller/apiserver/output_image_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

const OutputImagePolicy kPolicy{"127.0.0.1:5000", {"mirror.internal:443"}};

TEST(OutputImagePolicyTest, AllowsTheNamespacesOwnRepositories) {
  EXPECT_OK(CheckOutputImage(kPolicy, "web", "127.0.0.1:5000/web/app:1"));
  EXPECT_OK(CheckOutputImage(
      kPolicy, "web", "127.0.0.1:5000/web/a/b@sha256:" + std::string(64, 'a')));
  EXPECT_OK(CheckOutputImage(kPolicy, "web", "mirror.internal:443/x/y:2"));
}

TEST(OutputImagePolicyTest, RefusesOtherNamespacesHostsAndKilnsOwn) {
  EXPECT_THAT(CheckOutputImage(kPolicy, "web", "127.0.0.1:5000/db/app:1"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("pushes under 127.0.0.1:5000/web/...")));
  EXPECT_THAT(CheckOutputImage(kPolicy, "web", "127.0.0.1:5000/webx/app"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckOutputImage(kPolicy, "web", "127.0.0.1:5000/web"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      CheckOutputImage(kPolicy, "kiln", "127.0.0.1:5000/kiln/busybox:1"),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr("Kiln's own base images")));
  EXPECT_THAT(CheckOutputImage(kPolicy, "web", "localhost:5000/web/app"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("\"localhost:5000\" is not a registry")));
  EXPECT_THAT(CheckOutputImage(kPolicy, "web", "web/app:1"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckOutputImage(kPolicy, "web", "127.0.0.1:5000/Web/app"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("lowercase")));
}

}  // namespace
}  // namespace kiln
