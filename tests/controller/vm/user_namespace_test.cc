#include "controller/vm/user_namespace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

TEST(UserNamespaceTest, ValidateIdRangeNamesTheBadValue) {
  EXPECT_OK(ValidateIdRange({1000000000, 65536}));
  EXPECT_OK(ValidateIdRange({100000, 65536}));
  EXPECT_THAT(ValidateIdRange({0, 65536}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("root")));
  EXPECT_THAT(ValidateIdRange({100000, 1000}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("65536")));
  EXPECT_THAT(ValidateIdRange({4294967294u - 65535, 65536}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("overflow")));
  EXPECT_OK(ValidateIdRange({4294967294u - 65536, 65536}));
}

// kilnd's tests run as root on hosts that allow user namespaces
// (hack/setup.sh); the process driver's own tests need one too.
TEST(UserNamespaceTest, ProbeCreatesANamespaceWithTheRangeMapped) {
  EXPECT_OK(ProbeUserNamespace({1000000000, 65536}));
  EXPECT_THAT(ProbeUserNamespace({0, 65536}),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
