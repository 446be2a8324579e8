#include "hack/bench/build_tracker.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "hack/bench/api_build_body.h"
#include "hack/bench/api_probe.h"

namespace kiln::bench {
namespace {

// Far beyond any phase of build_bench; kilnd's default is 300-360 s.
constexpr int kWatchTimeoutSeconds = 3600;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

bool IsTerminalPhase(const std::string& phase) {
  return phase == "Ready" || phase == "Failed" || phase == "Cancelled";
}

StatusOr<std::unique_ptr<BuildTracker>> BuildTracker::Start(
    const ApiEndpoint& endpoint, const std::string& ns) {
  std::unique_ptr<BuildTracker> t(new BuildTracker());
  const auto now = Clock::now();
  std::string rv;
  std::string next;
  do {  // rv of the first page: continue tokens keep its snapshot
    std::string path = BuildsPath(ns) + "?limit=500";
    if (!next.empty())
      path += "&continue=" + web::uri::encode_data_string(next);
    ASSIGN_OR_RETURN(nlohmann::json list, GetJson(endpoint, path));
    try {
      for (const nlohmann::json& b : list.at("items")) {
        t->Observe(b.at("metadata").at("name").get<std::string>(),
                   b.value("status", nlohmann::json::object())
                       .value("phase", "Pending"),
                   now);
      }
      if (rv.empty())
        rv = list.at("metadata").at("resourceVersion").get<std::string>();
      next = list.at("metadata").value("continue", "");
    } catch (const std::exception& e) {  // nlohmann::json::exception
      return UnavailableError(std::string("builds list: ") + e.what());
    }
  } while (!next.empty());
  BuildTracker* self = t.get();  // the watcher is cancelled in ~BuildTracker
  t->watcher_ = StreamWatcher::StartWithHandler(
      endpoint,
      BuildsPath(ns) + "?watch=1&resourceVersion=" + rv +
          "&timeoutSeconds=" + std::to_string(kWatchTimeoutSeconds),
      [self](const std::string& line, Clock::time_point at) {
        self->OnLine(line, at);
      });
  return t;
}

BuildTracker::~BuildTracker() {
  if (watcher_ == nullptr) return;
  watcher_->Cancel();
  // The read chain holds the watcher, not this tracker, but its handler
  // points here: wait until the stream has ended.
  for (int i = 0; i < 500 && !watcher_->ended(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void BuildTracker::OnLine(const std::string& line, Clock::time_point now) {
  try {
    const nlohmann::json event = nlohmann::json::parse(line);
    const std::string type = event.value("type", "");
    if (type != "ADDED" && type != "MODIFIED") return;
    const nlohmann::json& object = event.at("object");
    Observe(object.at("metadata").at("name").get<std::string>(),
            object.value("status", nlohmann::json::object())
                .value("phase", "Pending"),
            now);
  } catch (const std::exception&) {
    // Undecodable lines are not ours to judge here; ERROR events are
    // counted by the watcher as anomalies.
  }
}

void BuildTracker::Observe(const std::string& name, const std::string& phase,
                           Clock::time_point now) {
  MutexLock lock(mu_);
  Seen& seen = builds_[name];
  const bool was_terminal = IsTerminalPhase(seen.phase);
  seen.phase = phase;
  seen.first.emplace(phase, now);  // keeps the first time
  if (!was_terminal && IsTerminalPhase(phase)) ++terminal_;
  changed_.SignalAll();
}

bool BuildTracker::Await(const std::function<bool()>& done,
                         Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline || watcher_->ended()) return false;
    // Woken by every change; the 1 s cap notices a watch that ended.
    changed_.WaitUntil(
        std::min(deadline, Clock::now() + std::chrono::seconds(1)));
  }
  return true;
}

std::optional<BuildTracker::Clock::time_point> BuildTracker::WaitForPhase(
    const std::string& name, const std::vector<std::string>& phases,
    Clock::time_point deadline) {
  MutexLock lock(mu_);
  std::optional<Clock::time_point> first;
  Await(
      [&]() REQUIRES(mu_) {
        auto it = builds_.find(name);
        if (it == builds_.end()) return false;
        for (const auto& [phase, at] : it->second.first)
          if (Contains(phases, phase)) first = at;
        return first.has_value();
      },
      deadline);
  return first;
}

std::string BuildTracker::WaitTerminal(const std::string& name,
                                       Clock::time_point deadline) {
  MutexLock lock(mu_);
  std::string phase;
  Await(
      [&]() REQUIRES(mu_) {
        auto it = builds_.find(name);
        if (it != builds_.end() && IsTerminalPhase(it->second.phase))
          phase = it->second.phase;
        return !phase.empty();
      },
      deadline);
  return phase;
}

int64_t BuildTracker::WaitTerminalCount(int64_t n, Clock::time_point deadline) {
  MutexLock lock(mu_);
  Await([&]() REQUIRES(mu_) { return terminal_ >= n; }, deadline);
  return terminal_;
}

void BuildTracker::WaitAnyTerminal(Clock::time_point deadline) {
  MutexLock lock(mu_);
  const int64_t before = terminal_;
  Await([&]() REQUIRES(mu_) { return terminal_ > before; }, deadline);
}

std::map<std::string, std::vector<BuildTracker::Clock::time_point>>
BuildTracker::TerminalTimes() const {
  MutexLock lock(mu_);
  std::map<std::string, std::vector<Clock::time_point>> out;
  for (const auto& [name, seen] : builds_) {
    for (const auto& [phase, at] : seen.first)
      if (IsTerminalPhase(phase)) out[phase].push_back(at);
  }
  return out;
}

std::string BuildTracker::Phase(const std::string& name) const {
  MutexLock lock(mu_);
  auto it = builds_.find(name);
  return it == builds_.end() ? "" : it->second.phase;
}

int64_t BuildTracker::seen() const {
  MutexLock lock(mu_);
  return static_cast<int64_t>(builds_.size());
}

std::string BuildTracker::anomaly() const {
  if (watcher_ == nullptr) return "";
  if (watcher_->anomalies() == 0) return "";
  return watcher_->first_anomaly();
}

}  // namespace kiln::bench
