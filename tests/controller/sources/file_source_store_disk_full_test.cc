// FileSourceStore on a full disk (issue 12 item 11, the sources directory):
// an upload that does not fit fails with Unavailable saying the directory is
// full, leaves no partial file behind, does not disturb the archives already
// stored, and the same store takes uploads again once space returns. The
// file system is a small tmpfs the test mounts (root only; skipped with the
// reason otherwise).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "controller/sources/file_source_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tiny_filesystem.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TinyFilesystem;

// A gzip-looking archive of `bytes` bytes (the store only sniffs the start).
std::string Archive(size_t bytes, char fill) {
  std::string archive(bytes, fill);
  archive.replace(0, 4, std::string("\x1f\x8b\x08\x00", 4));
  return archive;
}

TEST(FileSourceStoreDiskFullTest, FailsCleanlyWhileFullAndRecovers) {
  TinyFilesystem tiny(2 << 20);
  if (!tiny.why_not().empty()) GTEST_SKIP() << tiny.why_not();
  FakeClock clock;
  const std::string dir = tiny.Path("sources");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FileSourceStore> store,
                       FileSourceStore::Open(dir, clock));
  const std::string kept = Archive(512 << 10, 'k');
  ASSERT_OK_AND_ASSIGN(SourcePutResult stored, store->Put("default", kept));
  // Space to give back later.
  std::ofstream(tiny.Path("filler")) << std::string(1 << 20, 'f');

  const std::string big = Archive(1 << 20, 'b');
  StatusOr<SourcePutResult> full = store->Put("default", big);
  EXPECT_THAT(full, StatusIs(StatusCode::kUnavailable,
                             HasSubstr("the sources directory is full")));
  // No temporary and no partial archive is left; the stored one is intact.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, 1);
  ASSERT_OK_AND_ASSIGN(SourceInfo info,
                       store->Stat("default", stored.info.digest));
  EXPECT_EQ(info.size, static_cast<int64_t>(kept.size()));

  // Space returns: the same store takes the upload.
  ASSERT_EQ(std::remove(tiny.Path("filler").c_str()), 0);
  ASSERT_OK_AND_ASSIGN(SourcePutResult again, store->Put("default", big));
  EXPECT_TRUE(again.created);
  ASSERT_OK_AND_ASSIGN(info, store->Stat("default", again.info.digest));
  EXPECT_EQ(info.size, static_cast<int64_t>(big.size()));
}

}  // namespace
}  // namespace kiln
