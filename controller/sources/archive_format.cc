#include "controller/sources/archive_format.h"

#include <string>

namespace kiln {
namespace {

constexpr std::string_view kGzipMagic("\x1f\x8b", 2);
constexpr std::string_view kXzMagic("\xfd\x37\x7a\x58\x5a\x00", 6);
constexpr std::string_view kBzip2Magic("BZh", 3);
// POSIX writes "ustar\0", GNU tar "ustar  \0": both start with "ustar".
constexpr std::string_view kUstarMagic("ustar", 5);
constexpr size_t kUstarOffset = 257;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Status CheckArchiveFormat(std::string_view head) {
  if (StartsWith(head, kGzipMagic) || StartsWith(head, kXzMagic) ||
      StartsWith(head, kBzip2Magic)) {
    return OkStatus();
  }
  if (head.size() >= kUstarOffset + kUstarMagic.size() &&
      head.substr(kUstarOffset, kUstarMagic.size()) == kUstarMagic) {
    return OkStatus();
  }
  return InvalidArgumentError(
      "the request body is not a source archive: want a tar file (ustar "
      "header), optionally compressed with gzip, xz or bzip2, e.g. made with "
      "`tar -czf src.tar.gz -C DIR .`");
}

}  // namespace kiln
