#include "controller/logs/log_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "controller/logs/sse.h"

namespace kiln {

LogService::LogService(Clock& clock, LogServiceOptions options)
    : clock_(clock),
      options_(std::move(options)),
      store_(BuildLogStoreOptions{options_.logs_dir, options_.max_bytes}),
      beat_(std::make_unique<Periodic>(
          std::chrono::duration_cast<std::chrono::milliseconds>(
              options_.sse_heartbeat),
          [this] { Beat(); })) {}

LogService::~LogService() {
  beat_->Stop();
  MutexLock lock(mu_);
  indexers_.clear();  // before the poller they follow on
}

void LogService::BuildActive(const std::string& uid) {
  StatusOr<std::string> log = store_.LogPath(uid);
  StatusOr<std::string> index = store_.IndexPath(uid);
  if (!log.ok() || !index.ok()) return;
  MutexLock lock(mu_);
  auto it = indexers_.find(uid);
  if (it != indexers_.end() && !it->second->done()) return;
  StatusOr<std::unique_ptr<LogIndexer>> indexer =
      LogIndexer::Start(poller_, clock_, *log, *index);
  if (!indexer.ok()) {
    spdlog::warn("logs: cannot index {}: {}", *log,
                 indexer.status().ToString());
    return;
  }
  indexers_[uid] = *std::move(indexer);
}

void LogService::BuildFinished(const std::string& uid) {
  StatusOr<std::string> log = store_.LogPath(uid);
  if (!log.ok()) return;
  std::unique_ptr<LogIndexer> indexer;
  {
    MutexLock lock(mu_);
    auto it = indexers_.find(uid);
    if (it != indexers_.end()) {
      indexer = std::move(it->second);
      indexers_.erase(it);
    }
  }
  if (indexer) {
    indexer->Finish();
    // Finish is asynchronous on the poller; give it a bounded moment so
    // the cap below sees a complete index.
    for (int i = 0; i < 100 && !indexer->done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (StatusOr<bool> capped = store_.EnforceCap(uid); !capped.ok()) {
    if (capped.status().code() != StatusCode::kNotFound) {
      spdlog::warn("logs: cap of {}: {}", *log, capped.status().ToString());
    }
  }
  poller_.FinishPath(*log);
}

size_t LogService::DeleteAllBut(const std::set<std::string>& live) {
  size_t deleted = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(options_.logs_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::filesystem::path& p = it->path();
    if (p.extension() != ".log") continue;
    const std::string uid = p.stem().string();
    if (live.count(uid)) continue;
    // A Build created after `live` was taken may already be writing: only
    // logs untouched for a while are orphans.
    const auto written = std::filesystem::last_write_time(p, ec);
    if (ec || std::filesystem::file_time_type::clock::now() - written <
                  std::chrono::minutes(5)) {
      ec.clear();
      continue;
    }
    {
      MutexLock lock(mu_);
      indexers_.erase(uid);
    }
    if (store_.Delete(uid).ok()) ++deleted;
  }
  return deleted;
}

void LogService::AddHeartbeat(SseChunkWriter write) {
  MutexLock lock(mu_);
  heartbeats_.push_back(std::move(write));
}

void LogService::Beat() {
  // The writers run outside mu_ (they write to sockets); the ones whose
  // stream is gone are dropped afterwards, keeping any added meanwhile.
  std::vector<SseChunkWriter> writers;
  {
    MutexLock lock(mu_);
    writers.swap(heartbeats_);
  }
  std::vector<SseChunkWriter> alive;
  for (SseChunkWriter& write : writers) {
    if (write(kSseHeartbeat)) alive.push_back(std::move(write));
  }
  MutexLock lock(mu_);
  for (SseChunkWriter& write : alive) heartbeats_.push_back(std::move(write));
}

}  // namespace kiln
