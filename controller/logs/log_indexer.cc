#include "controller/logs/log_indexer.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "controller/logs/log_file_io.h"

namespace kiln {
namespace {

constexpr size_t kIndexChunkBytes = 64 * 1024;

struct ResumePoint {
  int64_t offset = 0;
  bool at_line_start = true;
};

// Where to follow from, given the last indexed line start (if any).
StatusOr<ResumePoint> FindResumePoint(int fd, int64_t size,
                                      const std::optional<LogIndexEntry>& last,
                                      const std::string& path) {
  if (!last) return ResumePoint{};
  for (int64_t pos = last->offset; pos < size;) {
    ASSIGN_OR_RETURN(std::string chunk,
                     ReadAt(fd, pos, kIndexChunkBytes, path));
    if (chunk.empty()) break;
    const size_t newline = chunk.find('\n');
    if (newline != std::string::npos) {
      return ResumePoint{pos + static_cast<int64_t>(newline) + 1, true};
    }
    pos += static_cast<int64_t>(chunk.size());
  }
  // The last indexed line is the final, unterminated one.
  return ResumePoint{size, false};
}

}  // namespace

StatusOr<std::unique_ptr<LogIndexer>> LogIndexer::Start(
    LogPoller& poller, Clock& clock, std::string log_path,
    std::string index_path) {
  ScopedFd log_fd;
  int64_t size = 0;
  StatusOr<ScopedFd> opened = OpenForRead(log_path);
  if (opened.ok()) {
    log_fd = std::move(opened).value();
    ASSIGN_OR_RETURN(size, FileSizeOf(log_fd.get()));
  } else if (opened.status().code() != StatusCode::kNotFound) {
    return opened.status();
  }
  RETURN_IF_ERROR(TruncateLogIndex(index_path, size));
  ASSIGN_OR_RETURN(std::unique_ptr<LogIndexWriter> writer,
                   LogIndexWriter::Open(index_path));
  ASSIGN_OR_RETURN(
      const ResumePoint resume,
      FindResumePoint(log_fd.get(), size, writer->last(), log_path));
  std::unique_ptr<LogIndexer> indexer(
      new LogIndexer(clock, std::move(writer), resume.at_line_start));
  LogIndexer* self = indexer.get();
  indexer->follower_ =
      poller.Follow(std::move(log_path), resume.offset,
                    LogFollowerCallbacks{
                        [self](std::string_view data, int64_t next_offset) {
                          return self->OnData(data, next_offset);
                        },
                        [self](const Status& status) { self->OnEnd(status); }});
  return indexer;
}

LogIndexer::~LogIndexer() { follower_->Cancel(); }

void LogIndexer::Finish() { follower_->Finish(); }

bool LogIndexer::done() const { return follower_->done(); }

int64_t LogIndexer::indexed_offset() const { return follower_->offset(); }

Status LogIndexer::status() const {
  MutexLock lock(mu_);
  return status_;
}

bool LogIndexer::OnData(std::string_view data, int64_t next_offset) {
  const int64_t start = next_offset - static_cast<int64_t>(data.size());
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          clock_.SystemNow().time_since_epoch())
                          .count();
  std::vector<LogIndexEntry> entries;
  if (at_line_start_) entries.push_back({start, now});
  for (size_t i = 0; i + 1 < data.size(); ++i) {
    if (data[i] == '\n') {
      entries.push_back({start + static_cast<int64_t>(i) + 1, now});
    }
  }
  at_line_start_ = data.back() == '\n';
  Status written = writer_->Append(entries);
  if (written.ok()) return true;
  OnEnd(written);
  return false;
}

void LogIndexer::OnEnd(const Status& status) {
  MutexLock lock(mu_);
  if (status_.ok()) status_ = status;
}

}  // namespace kiln
