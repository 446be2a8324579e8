#include "controller/sources/file_source_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "controller/sources/sha256.h"
#include "tests/fakes/fake_clock.h"
#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A gzip-looking archive: the store only sniffs the leading bytes.
std::string Archive(const std::string& content) {
  return std::string("\x1f\x8b\x08\x00", 4) + content;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The regular files directly in `dir` (archives, temporaries; not the
// grants/ directory).
std::vector<std::string> Files(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  }
  return names;
}

class FileSourceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (fs::path(::testing::TempDir()) / "kiln-sources-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ / "sources";  // Open creates it
    ASSERT_OK_AND_ASSIGN(store_, FileSourceStore::Open(dir_.string(), clock_));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  FakeClock clock_;
  fs::path root_;
  fs::path dir_;
  std::unique_ptr<FileSourceStore> store_;
};

TEST_F(FileSourceStoreTest, PutStoresUnderTheDigest) {
  const std::string archive = Archive("hello");
  ASSERT_OK_AND_ASSIGN(const std::string digest, Sha256Digest(archive));
  ASSERT_OK_AND_ASSIGN(SourcePutResult put, store_->Put("default", archive));
  EXPECT_TRUE(put.created);
  EXPECT_EQ(put.info.digest, digest);
  EXPECT_EQ(put.info.size, static_cast<int64_t>(archive.size()));
  EXPECT_EQ(store_->Path(digest), (dir_ / digest.substr(7)).string());
  EXPECT_EQ(ReadAll(store_->Path(digest)), archive);
  // No temporaries left behind.
  EXPECT_THAT(Files(dir_), ::testing::ElementsAre(digest.substr(7)));

  ASSERT_OK_AND_ASSIGN(SourceInfo stat, store_->Stat("default", digest));
  EXPECT_EQ(stat.digest, digest);
  EXPECT_EQ(stat.size, put.info.size);
}

TEST_F(FileSourceStoreTest, PutIsIdempotent) {
  ASSERT_OK_AND_ASSIGN(SourcePutResult first,
                       store_->Put("default", Archive("x")));
  ASSERT_OK_AND_ASSIGN(SourcePutResult second,
                       store_->Put("default", Archive("x")));
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.info.digest, first.info.digest);
  EXPECT_EQ(second.info.size, first.info.size);
  EXPECT_EQ(Files(dir_).size(), 1u);
}

TEST_F(FileSourceStoreTest, ConcurrentPutsOfTheSameBytesCreateOnce) {
  std::vector<std::thread> threads;
  std::vector<StatusOr<SourcePutResult>> results(4, InternalError("unset"));
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = store_->Put("default", Archive(std::string(1 << 20, 'a')));
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  for (const auto& r : results) {
    ASSERT_OK(r);
    created += r->created ? 1 : 0;
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(Files(dir_).size(), 1u);
}

TEST_F(FileSourceStoreTest, PutRejectsEmptyAndNonArchives) {
  EXPECT_THAT(store_->Put("default", ""),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(store_->Put("default", "FROM kiln/busybox:1\n"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("tar")));
  EXPECT_TRUE(Files(dir_).empty());
}

// Issue 12 item 7: a namespace sees only the archives uploaded into it, and
// cannot tell another namespace's archive from one nobody uploaded.
TEST_F(FileSourceStoreTest, NamespacesSeeOnlyTheirOwnUploads) {
  ASSERT_OK_AND_ASSIGN(SourcePutResult put,
                       store_->Put("team-a", Archive("a")));
  EXPECT_OK(store_->Stat("team-a", put.info.digest));
  EXPECT_THAT(store_->Stat("team-b", put.info.digest),
              StatusIs(StatusCode::kNotFound,
                       "source " + put.info.digest + " not found"));
  // Uploading the same bytes is the proof of holding them: then it is b's
  // too, stored once.
  ASSERT_OK_AND_ASSIGN(SourcePutResult again,
                       store_->Put("team-b", Archive("a")));
  EXPECT_FALSE(again.created);
  EXPECT_OK(store_->Stat("team-b", put.info.digest));
  EXPECT_EQ(Files(dir_).size(), 1u);
  // A deleted archive takes every grant with it.
  clock_.Advance(std::chrono::hours(25));
  ASSERT_OK_AND_ASSIGN(
      size_t deleted,
      store_->DeleteUnused({}, clock_.SystemNow() - std::chrono::hours(24)));
  EXPECT_EQ(deleted, 1u);
  EXPECT_FALSE(
      fs::exists(dir_ / "grants" / "team-a" / put.info.digest.substr(7)));
  EXPECT_FALSE(
      fs::exists(dir_ / "grants" / "team-b" / put.info.digest.substr(7)));
}

TEST_F(FileSourceStoreTest, NamespacesMustBeDnsLabels) {
  for (const std::string ns : {"", "..", "a/b", "UPPER", "grants/../x"}) {
    EXPECT_THAT(store_->Put(ns, Archive("x")),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("namespace")))
        << ns;
    EXPECT_THAT(store_->Stat(ns, "sha256:" + std::string(64, 'a')),
                StatusIs(StatusCode::kInvalidArgument))
        << ns;
  }
}

TEST_F(FileSourceStoreTest, StatOfMissingIsNotFound) {
  EXPECT_THAT(store_->Stat("default", "sha256:" + std::string(64, 'a')),
              StatusIs(StatusCode::kNotFound, HasSubstr("not found")));
}

TEST_F(FileSourceStoreTest, StatRejectsMalformedDigests) {
  for (const std::string& bad : std::vector<std::string>{
           "", "sha256:abc", "sha512:" + std::string(64, 'a'),
           "sha256:" + std::string(64, 'A'), "sha256:../../../../etc/passwd",
           std::string(64, 'a')}) {
    EXPECT_THAT(store_->Stat("default", bad),
                StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST_F(FileSourceStoreTest, DeleteUnusedKeepsReferencedAndRecentlyUsed) {
  ASSERT_OK_AND_ASSIGN(SourcePutResult kept,
                       store_->Put("default", Archive("kept")));
  ASSERT_OK_AND_ASSIGN(SourcePutResult old,
                       store_->Put("default", Archive("old")));
  ASSERT_OK_AND_ASSIGN(SourcePutResult looked_up,
                       store_->Put("default", Archive("looked-up")));
  clock_.Advance(std::chrono::hours(25));
  // A lookup is a use: it restarts the clock.
  ASSERT_OK(store_->Stat("default", looked_up.info.digest));
  ASSERT_OK_AND_ASSIGN(
      size_t deleted,
      store_->DeleteUnused({kept.info.digest},
                           clock_.SystemNow() - std::chrono::hours(24)));
  EXPECT_EQ(deleted, 1u);
  EXPECT_OK(store_->Stat("default", kept.info.digest));
  EXPECT_OK(store_->Stat("default", looked_up.info.digest));
  EXPECT_THAT(store_->Stat("default", old.info.digest),
              StatusIs(StatusCode::kNotFound));
}

TEST_F(FileSourceStoreTest, DeleteUnusedRemovesStaleTemporariesOnly) {
  std::ofstream(dir_ / ".upload-abc123") << "partial";
  std::ofstream(dir_ / "notes.txt") << "not ours";
  // Their mtimes are the host's "now": a cutoff an hour later makes them
  // stale.
  ASSERT_OK_AND_ASSIGN(
      size_t deleted,
      store_->DeleteUnused(
          {}, std::chrono::system_clock::now() + std::chrono::hours(1)));
  EXPECT_EQ(deleted, 1u);
  EXPECT_THAT(Files(dir_), ::testing::ElementsAre("notes.txt"));
}

}  // namespace
}  // namespace kiln
