#include "cmd/kiln-agent/archive_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "cmd/kiln-agent/subprocess.h"
#include "cmd/kiln-agent/tar_listing.h"
#include "tests/cmd/kiln-agent/agent_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::MakeTar;
using testing::TarMember;

// Writes `members` as DIR/x.tar and extracts it to DIR/source.
Status Extract(const testing::TempDir& dir,
               const std::vector<TarMember>& members) {
  testing::WriteTestFile(dir.Sub("x.tar"), MakeTar(members));
  return ExtractArchiveSource(dir.Sub("x.tar"), dir.Sub("source"));
}

TEST(TarListingTest, ParsesQuotedNamesAndLinks) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<TarEntry> entries,
      ParseTarListing(
          "tar: Ignoring unknown extended header keyword\n"
          "drwxr-xr-x 0/0 0 2026-11-28 18:37 \"./\"\n"
          "-rw-r--r-- 0/0 2 2026-11-28 18:37 \"./a b\\n\\\"q\\\"\"\n"
          "hrw-r--r-- 0/0 0 2026-11-28 18:37 \"./hl\" link to \"./a b\"\n"
          "lrwxrwxrwx 0/0 0 2026-11-28 18:37 \"./d/l\" -> \"../x -> y\"\n"));
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0], (TarEntry{'d', "./", "", 0}));
  EXPECT_EQ(entries[1], (TarEntry{'-', "./a b\n\"q\"", "", 2}));
  EXPECT_EQ(entries[2], (TarEntry{'h', "./hl", "./a b", 0}));
  EXPECT_EQ(entries[3], (TarEntry{'l', "./d/l", "../x -> y", 0}));
}

TEST(TarListingTest, ReadsSizesAndRefusesLinesWithout) {
  ASSERT_OK_AND_ASSIGN(
      TarEntry big,
      ParseTarListingLine(
          "-rw-r--r-- 0/0   107374182400 2026-11-28 18:37 \"./zeros\""));
  EXPECT_EQ(big.size, 107374182400u);
  ASSERT_OK_AND_ASSIGN(
      TarEntry device,
      ParseTarListingLine("crw-r--r-- 0/0 1,3 2026-11-28 18:37 \"./null\""));
  EXPECT_EQ(device.size, 0u);
  EXPECT_THAT(ParseTarListingLine("-rw-r--r-- 0/0 x 2026 \"./a\""),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no size")));
  EXPECT_THAT(ParseTarListingLine(
                  "-rw-r--r-- 0/0 99999999999999999999999 2026 \"./a\""),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("range")));
}

// Issue 12 item 3: an archive that unpacks past the limits is refused from
// its listing, before anything is written, and leaves no tree behind.
TEST(ArchiveSourceTest, RefusesArchivesPastTheUnpackedLimits) {
  testing::TempDir dir;
  testing::WriteTestFile(dir.Sub("in/Dockerfile"), "FROM scratch\n");
  testing::WriteTestFile(dir.Sub("in/zeros"), std::string(1 << 20, '\0'));
  ASSERT_OK_AND_ASSIGN(CommandOutput tar,
                       RunCommand({"tar", "-czf", dir.Sub("bomb.tgz"), "-C",
                                   dir.Sub("in"), "."}));
  ASSERT_EQ(tar.exit_code, 0) << tar.output;
  // 1 MiB of zeros compresses ~1000:1: the archive is tiny, its content not.
  EXPECT_LT(fs::file_size(dir.Sub("bomb.tgz")), 8192u);
  EXPECT_THAT(ExtractArchiveSource(dir.Sub("bomb.tgz"), dir.Sub("source"),
                                   {.max_bytes = 64 << 10}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("more than 65536 bytes (the limit; kilnd "
                                 "--source-max-unpacked-bytes)")));
  EXPECT_FALSE(fs::exists(dir.Sub("source")));

  for (int i = 0; i < 20; ++i) {
    testing::WriteTestFile(dir.Sub("many/f" + std::to_string(i)), "x");
  }
  ASSERT_OK_AND_ASSIGN(tar, RunCommand({"tar", "-cf", dir.Sub("many.tar"), "-C",
                                        dir.Sub("many"), "."}));
  ASSERT_EQ(tar.exit_code, 0) << tar.output;
  EXPECT_THAT(ExtractArchiveSource(dir.Sub("many.tar"), dir.Sub("source"),
                                   {.max_entries = 10}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("more than 10 entries")));
  EXPECT_FALSE(fs::exists(dir.Sub("source")));
  // Within the limits it extracts.
  EXPECT_OK(ExtractArchiveSource(dir.Sub("many.tar"), dir.Sub("source"),
                                 {.max_bytes = 1 << 20, .max_entries = 21}));
}

TEST(ArchiveSourceTest, ExtractsSafeArchive) {
  testing::TempDir dir;
  ASSERT_OK(Extract(dir, {{"./", '5', "", ""},
                          {"./Dockerfile", '0', "FROM scratch\n", ""},
                          {"./d/", '5', "", ""},
                          {"./d/f", '0', "f", ""},
                          {"./d/l", '2', "", "../Dockerfile"},
                          {"./h", '1', "", "./d/f"}}));
  EXPECT_EQ(testing::ReadTestFile(dir.Sub("source/Dockerfile")),
            "FROM scratch\n");
  EXPECT_EQ(testing::ReadTestFile(dir.Sub("source/d/l")), "FROM scratch\n");
  EXPECT_EQ(testing::ReadTestFile(dir.Sub("source/h")), "f");
}

TEST(ArchiveSourceTest, ExtractsGzipArchiveMadeByTar) {
  testing::TempDir dir;
  testing::WriteTestFile(dir.Sub("in/Dockerfile"), "FROM scratch\n");
  ASSERT_OK_AND_ASSIGN(
      CommandOutput tar,
      RunCommand({"tar", "-czf", dir.Sub("x.tgz"), "-C", dir.Sub("in"), "."}));
  ASSERT_EQ(tar.exit_code, 0) << tar.output;
  ASSERT_OK(ExtractArchiveSource(dir.Sub("x.tgz"), dir.Sub("source")));
  EXPECT_TRUE(fs::exists(dir.Sub("source/Dockerfile")));
}

TEST(ArchiveSourceTest, RejectsDotDot) {
  testing::TempDir dir;
  EXPECT_THAT(
      Extract(dir, {{"a/../../evil", '0', "x", ""}}),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("a/../../evil")));
  EXPECT_FALSE(fs::exists(dir.Sub("evil")));
  EXPECT_FALSE(fs::exists(dir.Sub("source")));
}

TEST(ArchiveSourceTest, RejectsAbsolutePath) {
  testing::TempDir dir;
  EXPECT_THAT(Extract(dir, {{dir.Sub("evil"), '0', "x", ""}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("absolute")));
  EXPECT_FALSE(fs::exists(dir.Sub("evil")));
}

TEST(ArchiveSourceTest, RejectsEscapingSymlink) {
  testing::TempDir dir;
  EXPECT_THAT(Extract(dir, {{"d/l", '2', "", "../../etc"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("d/l")));
  EXPECT_THAT(Extract(dir, {{"l", '2', "", "/etc"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"l\"")));
}

TEST(ArchiveSourceTest, RejectsSymlinkEscapingThroughAnotherSymlink) {
  // Lexically "y/.." stays inside, but y is the root itself, so x is the
  // root's parent: only the check on the extracted tree catches this.
  testing::TempDir dir;
  EXPECT_THAT(Extract(dir, {{"y", '2', "", "."}, {"x", '2', "", "y/.."}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"x\"")));
}

TEST(ArchiveSourceTest, RejectsEscapingHardLinkAndSpecialFiles) {
  testing::TempDir dir;
  EXPECT_THAT(Extract(dir, {{"h", '1', "", "../etc/passwd"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"h\"")));
  EXPECT_THAT(Extract(dir, {{"fifo", '6', "", ""}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("fifo")));
}

TEST(ArchiveSourceTest, MissingOrCorruptArchive) {
  testing::TempDir dir;
  EXPECT_THAT(ExtractArchiveSource(dir.Sub("none.tar"), dir.Sub("source")),
              StatusIs(StatusCode::kNotFound));
  testing::WriteTestFile(dir.Sub("bad.tar"), "not a tar at all");
  EXPECT_THAT(ExtractArchiveSource(dir.Sub("bad.tar"), dir.Sub("source")),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
