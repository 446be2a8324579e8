#include "controller/logs/log_tail.h"

#include <algorithm>

#include "controller/logs/log_file_io.h"

namespace kiln {
namespace {
constexpr int64_t kChunkBytes = 64 * 1024;
}  // namespace

StatusOr<int64_t> TailStart(int fd, int64_t size, int64_t lines,
                            const std::string& path) {
  if (lines <= 0 || size == 0) return size;
  // Walk back over newlines. The newline that ends the last line does not
  // start a line; every other newline found ends one line further back.
  int64_t end = size;
  int64_t seen = 0;  // line starts found so far
  while (end > 0) {
    const int64_t begin = std::max<int64_t>(0, end - kChunkBytes);
    ASSIGN_OR_RETURN(std::string chunk,
                     ReadAt(fd, begin, static_cast<size_t>(end - begin), path));
    for (int64_t i = static_cast<int64_t>(chunk.size()) - 1; i >= 0; --i) {
      if (chunk[static_cast<size_t>(i)] != '\n') continue;
      const int64_t line_start = begin + i + 1;
      if (line_start == size) continue;
      if (++seen == lines) return line_start;
    }
    end = begin;
  }
  return 0;
}

}  // namespace kiln
