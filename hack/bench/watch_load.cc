#include "hack/bench/watch_load.h"

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "hack/bench/bench_object.h"

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

struct WatcherResult {
  LatencySamples delivery;
  int64_t anomalies = 0;
  std::string first_anomaly;
  void Anomaly(const std::string& what) {
    if (anomalies++ == 0) first_anomaly = what;
  }
};

// Receives `expected` events or gives up at `give_up_ns` (lowered by the
// writer once it has finished).
void RunWatcher(Watcher& watcher, int64_t expected,
                const std::atomic<int64_t>& give_up_ns, std::latch& ready,
                WatcherResult* out) {
  out->delivery.Reserve(static_cast<size_t>(expected));
  ready.count_down();
  int64_t last_revision = 0;
  int64_t got = 0;
  while (got < expected && NowNs() < give_up_ns.load()) {
    auto next = watcher.Next(std::chrono::milliseconds(100));
    const int64_t now = NowNs();
    if (!next.ok()) {
      out->Anomaly("watch: " + next.status().ToString());
      return;
    }
    if (!next->has_value()) continue;
    const WatchEvent& ev = **next;
    if (ev.object.revision <= last_revision) {
      out->Anomaly("revision " + std::to_string(ev.object.revision) +
                   " after " + std::to_string(last_revision));
    }
    last_revision = ev.object.revision;
    ++got;
    const nlohmann::json::json_pointer stamp("/bench/t");
    if (!ev.object.value.contains(stamp) ||
        !ev.object.value.at(stamp).is_number_integer()) {
      out->Anomaly("event without bench.t");
      continue;
    }
    const int64_t sent = ev.object.value.at(stamp).get<int64_t>();
    out->delivery.Add(std::chrono::nanoseconds(now - sent));
  }
}

}  // namespace

StatusOr<WatchLoadResult> RunWatchLoad(Store& store,
                                       const WatchLoadOptions& options) {
  WatchLoadResult r;
  r.watchers = options.watchers;
  r.sent = 0;
  r.expected = options.events * options.watchers;
  WatchOptions wopts;
  wopts.scope = {"builds", options.ns};
  wopts.from_revision = store.CurrentRevision();
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int w = 0; w < options.watchers; ++w) {
    ASSIGN_OR_RETURN(auto watcher, store.Watch(wopts));
    watchers.push_back(std::move(watcher));
  }
  std::atomic<int64_t> give_up_ns{INT64_MAX};
  std::latch ready(options.watchers);
  std::vector<WatcherResult> results(watchers.size());
  std::vector<std::thread> threads;
  for (size_t w = 0; w < watchers.size(); ++w) {
    threads.emplace_back(RunWatcher, std::ref(*watchers[w]), options.events,
                         std::cref(give_up_ns), std::ref(ready), &results[w]);
  }
  ready.wait();

  // The writer, paced: write i is due at start + i / rate.
  const nlohmann::json tmpl = MakeBuildObject(options.ns, "tmpl", 0);
  LatencySamples create;
  int64_t write_errors = 0;
  std::string first_write_error;
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options.rate_per_s));
  const auto start = Clock::now();
  for (int64_t i = 0; i < options.events; ++i) {
    std::this_thread::sleep_until(start + i * period);
    const std::string name = "w-" + std::to_string(i);
    nlohmann::json value = tmpl;
    value["metadata"]["name"] = name;
    const auto t0 = Clock::now();
    value["bench"]["t"] = NowNs();
    auto created = store.Create({"builds", options.ns, name}, std::move(value));
    create.Add(Clock::now() - t0);
    if (!created.ok() && write_errors++ == 0) {
      first_write_error = created.status().ToString();
    }
  }
  const auto end = Clock::now();
  r.sent = options.events - write_errors;
  r.send_rate_per_s =
      options.events / std::chrono::duration<double>(end - start).count();
  // Whatever has not arrived 10 s after the last write is not coming.
  give_up_ns = NowNs() + 10'000'000'000LL;
  for (auto& th : threads) th.join();
  for (auto& w : watchers) w->Cancel();

  LatencySamples delivery;
  if (write_errors > 0) {
    r.anomalies += write_errors;
    r.first_anomaly = "create: " + first_write_error;
  }
  for (auto& wr : results) {
    delivery.Merge(wr.delivery);
    r.anomalies += wr.anomalies;
    if (r.first_anomaly.empty()) r.first_anomaly = wr.first_anomaly;
  }
  r.received = static_cast<int64_t>(delivery.size());
  r.delivery = delivery.Summarize();
  r.create = create.Summarize();
  return r;
}

nlohmann::json ToJson(const WatchLoadResult& r) {
  nlohmann::json j = {
      {"watchers", r.watchers},         {"sent", r.sent},
      {"expected", r.expected},         {"received", r.received},
      {"anomalies", r.anomalies},       {"send_rate_per_s", r.send_rate_per_s},
      {"delivery", ToJson(r.delivery)}, {"create", ToJson(r.create)}};
  if (!r.first_anomaly.empty()) j["first_anomaly"] = r.first_anomaly;
  return j;
}

}  // namespace kiln::bench
