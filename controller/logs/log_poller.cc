#include "controller/logs/log_poller.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "controller/logs/follower_state.h"

namespace kiln {

LogFollower::~LogFollower() { Cancel(); }
void LogFollower::Finish() { state_->Finish(); }
void LogFollower::Pause() { state_->Pause(); }
void LogFollower::Resume() { state_->Resume(); }
void LogFollower::Cancel() { state_->Cancel(); }
int64_t LogFollower::offset() const { return state_->offset(); }
bool LogFollower::done() const { return state_->done(); }

LogPoller::LogPoller(LogPollerOptions options)
    : options_(options),
      wakeup_(std::make_shared<PollerWakeup>()),
      thread_([this] { Run(); }) {}

LogPoller::~LogPoller() {
  wakeup_->Stop();
  thread_.join();
  std::vector<std::shared_ptr<FollowerState>> remaining;
  {
    MutexLock lock(mu_);
    remaining.swap(followers_);
  }
  for (const auto& follower : remaining) {
    follower->End(UnavailableError("the log poller stopped"));
  }
}

std::unique_ptr<LogFollower> LogPoller::Follow(std::string path, int64_t offset,
                                               LogFollowerCallbacks callbacks) {
  auto state = std::make_shared<FollowerState>(std::move(path), offset,
                                               std::move(callbacks), wakeup_);
  {
    MutexLock lock(mu_);
    followers_.push_back(state);
  }
  wakeup_->Wake();
  return std::unique_ptr<LogFollower>(new LogFollower(std::move(state)));
}

void LogPoller::FinishPath(const std::string& path) {
  MutexLock lock(mu_);
  for (const auto& follower : followers_) {
    if (follower->path() == path) follower->Finish();
  }
}

size_t LogPoller::active() const {
  MutexLock lock(mu_);
  return static_cast<size_t>(
      std::count_if(followers_.begin(), followers_.end(),
                    [](const auto& f) { return !f->done(); }));
}

void LogPoller::Run() {
  try {
    std::string buffer;  // reused by every step
    std::vector<std::shared_ptr<FollowerState>> round;
    do {
      bool more = true;
      while (more && !wakeup_->stopping()) {
        {
          MutexLock lock(mu_);
          std::erase_if(followers_, [](const auto& f) { return f->done(); });
          round = followers_;
        }
        more = false;
        for (const auto& follower : round) {
          if (follower->Step(options_.chunk_bytes, buffer)) more = true;
        }
        round.clear();
      }
    } while (wakeup_->Wait(options_.interval));
  } catch (const std::exception& e) {
    spdlog::critical("log poller: uncaught exception: {}", e.what());
    std::terminate();
  }
}

}  // namespace kiln
