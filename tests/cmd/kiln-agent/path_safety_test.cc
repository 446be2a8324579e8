#include "cmd/kiln-agent/path_safety.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "cmd/kiln-agent/inline_source.h"
#include "tests/cmd/kiln-agent/agent_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

TEST(PathSafetyTest, AcceptsPlainRelativePaths) {
  EXPECT_THAT(ValidateInlinePath("Dockerfile"), IsOk());
  EXPECT_THAT(ValidateInlinePath("src/app/main.cc"), IsOk());
  EXPECT_THAT(ValidateInlinePath(".dockerignore"), IsOk());
  EXPECT_THAT(ValidateInlinePath("a..b/c"), IsOk());
}

TEST(PathSafetyTest, RejectsUnsafeInlinePaths) {
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a/..",
                          "a//b", "a/", "./a", "a/./b"}) {
    EXPECT_THAT(ValidateInlinePath(bad), StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
  EXPECT_THAT(ValidateInlinePath(std::string("a\0b", 3)),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST(PathSafetyTest, NormalizesArchiveNames) {
  EXPECT_THAT(NormalizeArchivePath("./"), IsOkAndHolds(""));
  EXPECT_THAT(NormalizeArchivePath("./a/b/"), IsOkAndHolds("a/b"));
  EXPECT_THAT(NormalizeArchivePath("a//./b"), IsOkAndHolds("a/b"));
  EXPECT_THAT(NormalizeArchivePath("/etc/passwd"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("absolute")));
  EXPECT_THAT(NormalizeArchivePath("./a/../../b"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("..")));
}

TEST(PathSafetyTest, SymlinkTargets) {
  EXPECT_FALSE(SymlinkTargetEscapes("l", "a/b"));
  EXPECT_FALSE(SymlinkTargetEscapes("d/l", "../a"));
  EXPECT_FALSE(SymlinkTargetEscapes("d/e/l", "../../a"));
  EXPECT_FALSE(SymlinkTargetEscapes("l", "."));
  EXPECT_TRUE(SymlinkTargetEscapes("l", ".."));
  EXPECT_TRUE(SymlinkTargetEscapes("d/l", "../../a"));
  EXPECT_TRUE(SymlinkTargetEscapes("l", "a/../../b"));
  EXPECT_TRUE(SymlinkTargetEscapes("l", "/etc"));
  EXPECT_TRUE(SymlinkTargetEscapes("l", ""));
}

TEST(InlineSourceTest, WritesFilesWithParents) {
  testing::TempDir dir;
  const std::string root = dir.Sub("source");
  ASSERT_OK(WriteInlineSource(
      root, {{"Dockerfile", "FROM scratch\n"}, {"a/b/c.txt", "c"}}));
  EXPECT_EQ(testing::ReadTestFile(root + "/Dockerfile"), "FROM scratch\n");
  EXPECT_EQ(testing::ReadTestFile(root + "/a/b/c.txt"), "c");
}

TEST(InlineSourceTest, RejectsUnsafePathAndWritesNothing) {
  testing::TempDir dir;
  const std::string root = dir.Sub("source");
  EXPECT_THAT(WriteInlineSource(root, {{"Dockerfile", "x"}, {"../evil", "x"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("../evil")));
  EXPECT_THAT(WriteInlineSource(root, {{"/tmp/evil", "x"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("/tmp/evil")));
  EXPECT_FALSE(std::filesystem::exists(root));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("evil")));
}

}  // namespace
}  // namespace kiln
