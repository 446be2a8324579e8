#include "cmd/kiln-agent/source_digest.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "controller/sources/sha256.h"
#include "tests/cmd/kiln-agent/agent_test_util.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

TEST(Sha256Test, KnownVector) {
  EXPECT_THAT(Sha256Digest("abc"),
              IsOkAndHolds("sha256:ba7816bf8f01cfea414140de5dae2223b00361a3"
                           "96177a9cb410ff61f20015ad"));
}

TEST(SourceDigestTest, IndependentOfWriteOrderAndTimes) {
  testing::TempDir a;
  testing::TempDir b;
  testing::WriteTestFile(a.Sub("Dockerfile"), "FROM scratch\n");
  testing::WriteTestFile(a.Sub("src/x.txt"), "x");
  testing::WriteTestFile(b.Sub("src/x.txt"), "x");
  testing::WriteTestFile(b.Sub("Dockerfile"), "FROM scratch\n");
  fs::last_write_time(b.Sub("Dockerfile"),
                      fs::file_time_type::clock::now() - std::chrono::hours(5));
  ASSERT_OK_AND_ASSIGN(std::string da, SourceTreeDigest(a.path()));
  ASSERT_OK_AND_ASSIGN(std::string db, SourceTreeDigest(b.path()));
  EXPECT_EQ(da, db);
  EXPECT_EQ(da.rfind("sha256:", 0), 0u);
  EXPECT_EQ(da.size(), 7u + 64u);
  // Stable across calls.
  EXPECT_THAT(SourceTreeDigest(a.path()), IsOkAndHolds(da));
}

TEST(SourceDigestTest, ChangesWithContentNameModeAndLinks) {
  testing::TempDir dir;
  testing::WriteTestFile(dir.Sub("f"), "one");
  ASSERT_OK_AND_ASSIGN(std::string base, SourceTreeDigest(dir.path()));

  testing::WriteTestFile(dir.Sub("f"), "two");
  ASSERT_OK_AND_ASSIGN(std::string content, SourceTreeDigest(dir.path()));
  EXPECT_NE(content, base);

  fs::permissions(dir.Sub("f"), fs::perms::owner_exec, fs::perm_options::add);
  ASSERT_OK_AND_ASSIGN(std::string mode, SourceTreeDigest(dir.path()));
  EXPECT_NE(mode, content);
  // Only "executable or not" counts, not the umask's other bits.
  fs::permissions(dir.Sub("f"), fs::perms::group_write, fs::perm_options::add);
  EXPECT_THAT(SourceTreeDigest(dir.path()), IsOkAndHolds(mode));

  fs::create_directory(dir.Sub("empty"));
  ASSERT_OK_AND_ASSIGN(std::string with_dir, SourceTreeDigest(dir.path()));
  EXPECT_NE(with_dir, mode);

  fs::create_symlink("f", dir.Sub("l"));
  ASSERT_OK_AND_ASSIGN(std::string with_link, SourceTreeDigest(dir.path()));
  EXPECT_NE(with_link, with_dir);
}

TEST(SourceDigestTest, NameAndContentBoundariesAreUnambiguous) {
  testing::TempDir a;
  testing::TempDir b;
  testing::WriteTestFile(a.Sub("ab"), "c");
  testing::WriteTestFile(b.Sub("a"), "bc");
  EXPECT_NE(*SourceTreeDigest(a.path()), *SourceTreeDigest(b.path()));
}

}  // namespace
}  // namespace kiln
