#include "controller/base/files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kiln-files-XXXXXX");
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // The names in the test directory, sorted.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
  }

  std::string dir_;
};

// Restores the umask on scope exit.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(umask(mask)) {}
  ~ScopedUmask() { umask(old_); }

 private:
  mode_t old_;
};

TEST_F(FilesTest, WritesContentsWithExactModeWhateverTheUmask) {
  ScopedUmask mask(077);
  ASSERT_OK(WriteFileAtomically(Path("public"), "cert\n", kPublicFileMode));
  ASSERT_OK(WriteFileAtomically(Path("secret"), "key\n", kPrivateFileMode));
  EXPECT_EQ(Slurp(Path("public")), "cert\n");
  EXPECT_EQ(Slurp(Path("secret")), "key\n");
  EXPECT_EQ(ModeOf(Path("public")), 0644u);
  EXPECT_EQ(ModeOf(Path("secret")), 0600u);
  EXPECT_THAT(Names(), ElementsAre("public", "secret"));  // no temp files
}

TEST_F(FilesTest, ReplacesAnExistingFile) {
  ASSERT_OK(WriteFileAtomically(Path("f"), "old contents, longer", 0644));
  ASSERT_OK(WriteFileAtomically(Path("f"), "new", 0600));
  EXPECT_EQ(Slurp(Path("f")), "new");
  EXPECT_EQ(ModeOf(Path("f")), 0600u);
  EXPECT_THAT(Names(), ElementsAre("f"));
}

TEST_F(FilesTest, WritesEmptyAndBinaryContents) {
  const std::string binary("a\0b\n\xff", 5);
  ASSERT_OK(WriteFileAtomically(Path("empty"), "", 0644));
  ASSERT_OK(WriteFileAtomically(Path("binary"), binary, 0644));
  EXPECT_EQ(Slurp(Path("empty")), "");
  EXPECT_EQ(Slurp(Path("binary")), binary);
}

// A fixed temporary name ("f.tmp") would clobber a file of that name, and
// two writers would write into each other's temporary file.
TEST_F(FilesTest, TemporaryNamesAreUnique) {
  std::ofstream(Path("f.tmp")) << "someone else's";
  ASSERT_OK(WriteFileAtomically(Path("f"), "mine", 0644));
  EXPECT_EQ(Slurp(Path("f.tmp")), "someone else's");

  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([this, i] {
      const std::string text(4096, static_cast<char>('a' + i));
      for (int round = 0; round < 20; ++round) {
        EXPECT_OK(WriteFileAtomically(Path("shared"), text, 0644));
      }
    });
  }
  for (std::thread& t : writers) t.join();
  const std::string last = Slurp(Path("shared"));
  ASSERT_EQ(last.size(), 4096u);
  EXPECT_EQ(last, std::string(4096, last[0]));  // one writer's, whole
  EXPECT_THAT(Names(), ElementsAre("f", "f.tmp", "shared"));
}

TEST_F(FilesTest, MissingDirectoryIsInternalAndLeavesNothing) {
  EXPECT_THAT(WriteFileAtomically(Path("no/such/f"), "x", 0644),
              StatusIs(StatusCode::kInternal, HasSubstr("no/such/f")));
  EXPECT_THAT(Names(), ElementsAre());
}

TEST_F(FilesTest, FailedRenameRemovesTheTemporaryFile) {
  // A non-empty directory where the file should go: the rename fails after
  // the temporary file was written.
  fs::create_directories(Path("taken/child"));
  EXPECT_THAT(WriteFileAtomically(Path("taken"), "x", 0644),
              StatusIs(StatusCode::kInternal, HasSubstr("rename")));
  EXPECT_THAT(Names(), ElementsAre("taken"));
  EXPECT_TRUE(fs::is_directory(Path("taken/child")));
}

TEST_F(FilesTest, ReadWholeFileReturnsTheBytes) {
  const std::string big(100000, 'z');  // more than one read chunk
  std::ofstream(Path("big"), std::ios::binary) << big;
  EXPECT_THAT(ReadWholeFile(Path("big")), IsOkAndHolds(big));
  std::ofstream(Path("empty")).close();
  EXPECT_THAT(ReadWholeFile(Path("empty")), IsOkAndHolds(std::string()));
}

TEST_F(FilesTest, ReadWholeFileMissingIsNotFound) {
  EXPECT_THAT(ReadWholeFile(Path("none")),
              StatusIs(StatusCode::kNotFound, HasSubstr("none")));
}

TEST_F(FilesTest, ReadWholeFileEnforcesTheLimit) {
  std::ofstream(Path("ten")) << "0123456789";
  EXPECT_THAT(ReadWholeFile(Path("ten"), 10), IsOkAndHolds("0123456789"));
  EXPECT_THAT(ReadWholeFile(Path("ten"), 9),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("9 bytes")));
  EXPECT_THAT(ReadWholeFile(Path("ten"), kNoSizeLimit),
              IsOkAndHolds("0123456789"));
}

TEST_F(FilesTest, ReadWholeFileOfADirectoryIsInternal) {
  EXPECT_THAT(ReadWholeFile(dir_), StatusIs(StatusCode::kInternal));
}

TEST_F(FilesTest, ReadRegularFileReadsOnlyPlainFilesAndNeverBlocks) {
  std::ofstream(Path("plain")) << "{}";
  EXPECT_THAT(ReadRegularFile(Path("plain"), 2), IsOkAndHolds("{}"));
  EXPECT_THAT(ReadRegularFile(Path("plain"), 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("1 bytes")));
  EXPECT_THAT(ReadRegularFile(Path("none"), 10),
              StatusIs(StatusCode::kNotFound));
  // What an untrusted writer could plant instead of its record.
  fs::create_symlink(Path("plain"), Path("link"));
  EXPECT_THAT(ReadRegularFile(Path("link"), 10),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("symbolic")));
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0600), 0);
  EXPECT_THAT(
      ReadRegularFile(Path("fifo"), 10),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  EXPECT_THAT(ReadRegularFile("/dev/zero", 10),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ReadRegularFile(dir_, 10),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(FilesTest, ReadFileOrEmptyGivesEmptyWhenMissing) {
  EXPECT_EQ(ReadFileOrEmpty(Path("none")), "");
  EXPECT_EQ(ReadFileOrEmpty(dir_), "");
  std::ofstream(Path("f")) << "text";
  EXPECT_EQ(ReadFileOrEmpty(Path("f")), "text");
  // /proc files report size 0 but have contents.
  EXPECT_THAT(ReadFileOrEmpty("/proc/self/status"), HasSubstr("Pid:"));
}

TEST_F(FilesTest, EnsurePrivateDirectoryCreatesMode0700) {
  ASSERT_OK(EnsurePrivateDirectory(Path("a/b")));
  EXPECT_EQ(ModeOf(Path("a/b")), 0700u);
  ASSERT_OK(EnsurePrivateDirectory(Path("a/b")));  // exists: fine
  std::ofstream(Path("file")).close();
  EXPECT_THAT(EnsurePrivateDirectory(Path("file")),
              StatusIs(StatusCode::kInternal));
}

}  // namespace
}  // namespace kiln
