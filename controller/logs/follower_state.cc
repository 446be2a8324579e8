#include "controller/logs/follower_state.h"

#include <algorithm>
#include <utility>

namespace kiln {

FollowerState::FollowerState(std::string path, int64_t offset,
                             LogFollowerCallbacks callbacks,
                             std::shared_ptr<PollerWakeup> wakeup)
    : path_(std::move(path)),
      callbacks_(std::move(callbacks)),
      wakeup_(std::move(wakeup)),
      offset_(offset) {}

FollowerState::Outcome FollowerState::ReadNext(int64_t offset, bool finishing,
                                               size_t chunk_bytes,
                                               std::string& buffer) {
  Outcome out;
  auto end = [&out](Status status) {
    out.kind = Outcome::kEnd;
    out.end_status = std::move(status);
    return out;
  };
  if (!fd_.valid()) {
    StatusOr<ScopedFd> fd = OpenForRead(path_);
    if (fd.status().code() == StatusCode::kNotFound) {
      return finishing ? end(OkStatus()) : out;  // not written yet
    }
    if (!fd.ok()) return end(fd.status());
    fd_ = std::move(fd).value();
  }
  StatusOr<int64_t> size = FileSizeOf(fd_.get());
  if (!size.ok()) return end(size.status());
  if (*size < offset) {
    return end(OutOfRangeError("log " + path_ + " shrank to " +
                               std::to_string(*size) + " bytes, below offset " +
                               std::to_string(offset)));
  }
  if (*size == offset) return finishing ? end(OkStatus()) : out;
  if (!finishing && *size == stalled_size_) return out;

  const size_t want =
      static_cast<size_t>(std::min<int64_t>(chunk_bytes, *size - offset));
  StatusOr<std::string> read = ReadAt(fd_.get(), offset, want, path_);
  if (!read.ok()) return end(read.status());
  buffer = std::move(read).value();
  if (buffer.empty()) return out;  // shrank meanwhile; the next step sees it

  const size_t newline = buffer.rfind('\n');
  if (newline != std::string::npos) {
    out.length = newline + 1;
  } else if (buffer.size() == chunk_bytes || finishing) {
    out.length = buffer.size();  // an over-long line, or the final one
  } else {
    stalled_size_ = *size;  // wait for the rest of the line
    return out;
  }
  stalled_size_ = -1;
  out.kind = Outcome::kData;
  out.more = offset + static_cast<int64_t>(out.length) < *size;
  return out;
}

bool FollowerState::BeginDelivery() {
  MutexLock lock(mu_);
  if (done_) return false;
  delivering_ = true;
  delivering_thread_ = std::this_thread::get_id();
  return true;
}

void FollowerState::EndDeliveryLocked() {
  delivering_ = false;
  delivering_thread_ = std::thread::id();
  idle_.SignalAll();
}

void FollowerState::DeliverEnd(const Status& status) {
  if (BeginDelivery()) {
    if (callbacks_.on_end) callbacks_.on_end(status);
  }
  MutexLock lock(mu_);
  EndDeliveryLocked();
  done_ = true;
}

bool FollowerState::Step(size_t chunk_bytes, std::string& buffer) {
  int64_t offset;
  bool finishing;
  {
    MutexLock lock(mu_);
    if (done_ || paused_) return false;
    offset = offset_;
    finishing = finishing_;
  }
  Outcome out = ReadNext(offset, finishing, chunk_bytes, buffer);
  if (out.kind == Outcome::kIdle) return false;
  if (out.kind == Outcome::kEnd) {
    DeliverEnd(out.end_status);
    return false;
  }

  if (!BeginDelivery()) return false;  // cancelled meanwhile
  const int64_t next = offset + static_cast<int64_t>(out.length);
  const bool keep =
      !callbacks_.on_data ||
      callbacks_.on_data(std::string_view(buffer.data(), out.length), next);
  MutexLock lock(mu_);
  EndDeliveryLocked();
  offset_ = next;  // before a waiting Cancel returns
  if (!keep) done_ = true;
  return !done_ && !paused_ && out.more;
}

void FollowerState::End(const Status& status) { DeliverEnd(status); }

void FollowerState::Finish() {
  {
    MutexLock lock(mu_);
    if (finishing_ || done_) return;
    finishing_ = true;
  }
  wakeup_->Wake();
}

void FollowerState::Pause() {
  MutexLock lock(mu_);
  paused_ = true;
}

void FollowerState::Resume() {
  {
    MutexLock lock(mu_);
    if (!paused_) return;
    paused_ = false;
  }
  wakeup_->Wake();
}

void FollowerState::Cancel() {
  MutexLock lock(mu_);
  done_ = true;
  if (delivering_thread_ == std::this_thread::get_id()) return;
  while (delivering_) idle_.Wait();
}

int64_t FollowerState::offset() const {
  MutexLock lock(mu_);
  return offset_;
}

bool FollowerState::done() const {
  MutexLock lock(mu_);
  return done_;
}

}  // namespace kiln
