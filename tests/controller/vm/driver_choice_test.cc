#include "controller/vm/driver_choice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

TEST(DriverChoiceTest, ProcessIsProcess) {
  ASSERT_OK_AND_ASSIGN(DriverChoice c, ChooseDriver("process", true, "", "/g"));
  EXPECT_EQ(c.driver, "process");
  EXPECT_EQ(c.accelerator, "");
}

TEST(DriverChoiceTest, AutoWithoutKvmIsProcess) {
  ASSERT_OK_AND_ASSIGN(DriverChoice c,
                       ChooseDriver("auto", false, "no vmx", "/g"));
  EXPECT_EQ(c.driver, "process");
  EXPECT_THAT(c.why, HasSubstr("no vmx"));
}

TEST(DriverChoiceTest, AutoWithKvmNeedsAGuestImage) {
  ASSERT_OK_AND_ASSIGN(DriverChoice c, ChooseDriver("auto", true, "", ""));
  EXPECT_EQ(c.driver, "process");
  ASSERT_OK_AND_ASSIGN(c, ChooseDriver("auto", true, "", "/g"));
  EXPECT_EQ(c.driver, "qemu");
  EXPECT_EQ(c.accelerator, "kvm");
}

TEST(DriverChoiceTest, ForcedQemuUsesTcgWithoutKvm) {
  ASSERT_OK_AND_ASSIGN(DriverChoice c, ChooseDriver("qemu", false, "x", "/g"));
  EXPECT_EQ(c.driver, "qemu");
  EXPECT_EQ(c.accelerator, "tcg");
  ASSERT_OK_AND_ASSIGN(c, ChooseDriver("qemu", true, "", "/g"));
  EXPECT_EQ(c.accelerator, "kvm");
}

TEST(DriverChoiceTest, ForcedQemuWithoutGuestImageNamesTheScript) {
  EXPECT_THAT(ChooseDriver("qemu", false, "", "").status(),
              StatusIs(StatusCode::kFailedPrecondition,
                       HasSubstr("hack/build-guest-image.sh")));
  EXPECT_THAT(ChooseDriver("kvm", false, "", "/g").status(),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
