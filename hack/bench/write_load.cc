#include "hack/bench/write_load.h"

#include <sys/resource.h>

#include <latch>
#include <thread>
#include <vector>

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct ThreadResult {
  LatencySamples samples;
  int64_t errors = 0;
  std::string first_error;
};

// `*deadline` is written before `start` opens and only read after.
void RunWriter(const WriteFn& write, int64_t count,
               const Clock::time_point* deadline_ptr, std::latch& start,
               ThreadResult* out) {
  out->samples.Reserve(static_cast<size_t>(count));
  start.arrive_and_wait();
  const Clock::time_point deadline = *deadline_ptr;
  for (int64_t i = 0; i < count; ++i) {
    auto t0 = Clock::now();
    if (t0 >= deadline) break;
    Status s = write(i);
    auto t1 = Clock::now();
    if (s.ok()) {
      out->samples.Add(t1 - t0);
    } else if (out->errors++ == 0) {
      out->first_error = s.ToString();
    }
  }
}

}  // namespace

double ProcessCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

StatusOr<WriteLoadResult> RunWriteLoad(const WriteLoadOptions& options,
                                       const WriterFactory& factory) {
  const int n = options.writers;
  if (n < 1 || options.count < n) {
    return InvalidArgumentError("write load: need 1 <= writers <= count");
  }
  std::vector<WriteFn> fns;
  for (int t = 0; t < n; ++t) {
    ASSIGN_OR_RETURN(WriteFn fn, factory(t));
    fns.push_back(std::move(fn));
  }
  std::vector<ThreadResult> results(static_cast<size_t>(n));
  std::latch start(n + 1);
  std::vector<std::thread> threads;
  Clock::time_point deadline;
  for (int t = 0; t < n; ++t) {
    int64_t share = options.count / n + (t < options.count % n ? 1 : 0);
    threads.emplace_back(RunWriter, std::cref(fns[t]), share, &deadline,
                         std::ref(start), &results[t]);
  }
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = Clock::now();
  deadline = t0 + options.max_duration;
  start.arrive_and_wait();
  for (auto& th : threads) th.join();
  const auto t1 = Clock::now();

  WriteLoadResult r;
  r.writers = n;
  r.cpu_seconds = ProcessCpuSeconds() - cpu0;
  LatencySamples all;
  for (auto& tr : results) {
    all.Merge(tr.samples);
    r.errors += tr.errors;
    if (r.first_error.empty()) r.first_error = tr.first_error;
  }
  r.ok = static_cast<int64_t>(all.size());
  r.seconds = std::chrono::duration<double>(t1 - t0).count();
  r.per_s = r.seconds > 0 ? r.ok / r.seconds : 0;
  r.latency = all.Summarize();
  return r;
}

nlohmann::json ToJson(const WriteLoadResult& r) {
  nlohmann::json j = {{"writers", r.writers},
                      {"ok", r.ok},
                      {"errors", r.errors},
                      {"seconds", r.seconds},
                      {"per_s", r.per_s},
                      {"latency", ToJson(r.latency)},
                      {"cpu_seconds", r.cpu_seconds}};
  if (!r.first_error.empty()) j["first_error"] = r.first_error;
  return j;
}

}  // namespace kiln::bench
