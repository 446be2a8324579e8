#include "hack/bench/api_watch_load.h"

#include <exception>
#include <memory>
#include <thread>
#include <vector>

#include "hack/bench/api_paced_writer.h"
#include "hack/bench/api_probe.h"
#include "hack/bench/api_watcher.h"

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Watchers = std::vector<std::shared_ptr<StreamWatcher>>;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Polls `done` every 5 ms until it holds or `deadline` passes.
template <typename Pred>
bool WaitUntil(Clock::time_point deadline, Pred done) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

int64_t Received(const Watchers& watchers) {
  int64_t n = 0;
  for (const auto& w : watchers) n += w->received();
  return n;
}

// Connects `watchers` streams from `rv`; fills the connect fields of `r`.
Watchers Connect(const ApiEndpoint& endpoint, const WatchLoadOptions& options,
                 const std::string& rv, const std::string& tag,
                 WatchLoadResult& r) {
  const std::string path =
      BuildsPath(options.ns) + "?watch=1&resourceVersion=" + rv;
  Watchers watchers;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < options.watchers; ++i)
    watchers.push_back(StreamWatcher::Start(endpoint, path, tag));
  WaitUntil(start + options.connect_timeout, [&] {
    for (const auto& w : watchers)
      if (!w->connected() && !w->ended()) return false;
    return true;
  });
  r.connect_seconds = Seconds(Clock::now() - start);
  for (const auto& w : watchers) r.connected += w->connected() ? 1 : 0;
  return watchers;
}

// Closes every stream and waits (up to 10 s) for the client side to end.
void CloseAll(Watchers& watchers) {
  for (const auto& w : watchers) w->Cancel();
  WaitUntil(Clock::now() + std::chrono::seconds(10), [&] {
    for (const auto& w : watchers)
      if (!w->ended()) return false;
    return true;
  });
  watchers.clear();
}

void Collect(const Watchers& watchers, WatchLoadResult& r) {
  LatencySamples all;
  for (const auto& w : watchers) {
    r.received += w->received();
    r.anomalies += w->anomalies();
    if (r.first_anomaly.empty()) r.first_anomaly = w->first_anomaly();
    all.Merge(w->Samples());
  }
  r.delivery = all.Summarize();
}

}  // namespace

StatusOr<WatchLoadResult> RunWatchLoad(const ApiEndpoint& endpoint,
                                       const WatchLoadOptions& options,
                                       BuildNamer& names, pid_t server_pid) {
  WatchLoadResult r;
  r.watchers = options.watchers;
  const std::string& tag = options.tag;
  ASSIGN_OR_RETURN(r.rss_before, ReadProcMemory(server_pid));
  PacedWriter writer(endpoint, options.ns);
  RETURN_IF_ERROR(writer.Connect());
  ASSIGN_OR_RETURN(std::string rv,
                   CurrentResourceVersion(endpoint, options.ns));

  Watchers watchers = Connect(endpoint, options, rv, tag, r);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSIGN_OR_RETURN(r.rss_connected, ReadProcMemory(server_pid));

  CpuSplitMeter cpu(server_pid);
  PacedWriteResult w =
      writer.Run(options.writes, options.rate_per_s, names, tag);
  const Clock::time_point written = Clock::now();
  r.writes_ok = w.ok;
  r.write_failures = w.failures;
  if (!w.first_failure.empty()) r.first_anomaly = "write: " + w.first_failure;
  r.write_rate_per_s = w.seconds > 0 ? w.ok / w.seconds : 0;
  r.create = w.create.Summarize();
  r.expected = r.writes_ok * r.connected;
  WaitUntil(written + options.drain_timeout,
            [&] { return Received(watchers) >= r.expected; });
  r.drain_seconds = Seconds(Clock::now() - written);
  r.cpu = cpu.Read();
  ASSIGN_OR_RETURN(r.rss_after_events, ReadProcMemory(server_pid));

  Collect(watchers, r);
  CloseAll(watchers);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSIGN_OR_RETURN(r.rss_after_close, ReadProcMemory(server_pid));
  return r;
}

nlohmann::json ToJson(const WatchLoadResult& r) {
  return {{"watchers", r.watchers},
          {"connected", r.connected},
          {"connect_seconds", r.connect_seconds},
          {"writes_ok", r.writes_ok},
          {"write_failures", r.write_failures},
          {"write_rate_per_s", r.write_rate_per_s},
          {"expected", r.expected},
          {"received", r.received},
          {"drain_seconds", r.drain_seconds},
          {"anomalies", r.anomalies},
          {"first_anomaly", r.first_anomaly},
          {"delivery", ToJson(r.delivery)},
          {"create", ToJson(r.create)},
          {"cpu", ToJson(r.cpu)},
          {"rss_before", ToJson(r.rss_before)},
          {"rss_connected", ToJson(r.rss_connected)},
          {"rss_after_events", ToJson(r.rss_after_events)},
          {"rss_after_close", ToJson(r.rss_after_close)}};
}

}  // namespace kiln::bench
