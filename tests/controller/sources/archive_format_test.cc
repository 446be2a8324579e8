#include "controller/sources/archive_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;

// A 512-byte tar header block with `magic` at offset 257.
std::string TarHeader(const std::string& magic) {
  std::string block(512, '\0');
  block.replace(0, 9, "Dockerfile");
  block.replace(257, magic.size(), magic);
  return block;
}

TEST(ArchiveFormatTest, AcceptsPosixAndGnuTar) {
  EXPECT_OK(
      CheckArchiveFormat(TarHeader(std::string("ustar\0"
                                               "00",
                                               8))));
  EXPECT_OK(CheckArchiveFormat(TarHeader(std::string("ustar  \0", 8))));
}

TEST(ArchiveFormatTest, AcceptsCompressedStreams) {
  EXPECT_OK(CheckArchiveFormat(std::string("\x1f\x8b\x08\x00rest", 8)));
  EXPECT_OK(
      CheckArchiveFormat(std::string("\xfd"
                                     "7zXZ\0rest",
                                     10)));
  EXPECT_OK(CheckArchiveFormat("BZh91AY&SY"));
}

TEST(ArchiveFormatTest, RejectsOtherBytes) {
  EXPECT_THAT(CheckArchiveFormat("FROM kiln/busybox:1\n"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("tar")));
  EXPECT_THAT(CheckArchiveFormat(std::string(1024, '\0')),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckArchiveFormat("PK\x03\x04 a zip file"),
              StatusIs(StatusCode::kInvalidArgument));
  // Too short to hold the ustar magic.
  EXPECT_THAT(CheckArchiveFormat(TarHeader("ustar").substr(0, 260)),
              StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace kiln
