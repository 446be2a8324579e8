#include "hack/bench/build_log_probe.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

namespace kiln::bench {
namespace {

struct TimedLine {
  int64_t index = 0;
  int64_t write_ns = 0;
};

// "line I t=NS" -> {I, NS}; nullopt for anything else.
std::optional<TimedLine> ParseTimedLine(std::string_view line) {
  constexpr std::string_view kPrefix = "line ";
  constexpr std::string_view kTime = " t=";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  TimedLine t;
  const char* last = line.data() + line.size();
  auto [end, ec] = std::from_chars(line.data() + kPrefix.size(), last, t.index);
  if (ec != std::errc() ||
      std::string_view(end, last - end).substr(0, kTime.size()) != kTime) {
    return std::nullopt;
  }
  auto [tail, ec2] = std::from_chars(end + kTime.size(), last, t.write_ns);
  if (ec2 != std::errc() || tail != last) return std::nullopt;
  return t;
}

std::chrono::nanoseconds SteadyToSystem() {
  return std::chrono::system_clock::now().time_since_epoch() -
         std::chrono::steady_clock::now().time_since_epoch();
}

}  // namespace

void LogTally::Merge(const LogTally& other) {
  expected += other.expected;
  received += other.received;
  lost += other.lost;
  duplicated += other.duplicated;
  out_of_order += other.out_of_order;
  malformed += other.malformed;
  under_limit += other.under_limit;
  latency.Merge(other.latency);
}

LogProbe::LogProbe(int64_t lines, std::chrono::nanoseconds limit)
    : lines_(lines),
      limit_(limit),
      steady_to_system_(SteadyToSystem()),
      seen_(static_cast<size_t>(lines), 0) {
  latency_.Reserve(static_cast<size_t>(lines));
}

void LogProbe::OnLine(const std::string& line, Clock::time_point now) {
  const std::optional<TimedLine> timed = ParseTimedLine(line);
  if (!timed) {
    if (line.rfind("started", 0) == 0) {
      started_ = true;
    } else if (line == "done") {
      done_ = true;
    } else {
      MutexLock lock(mu_);
      ++malformed_;
    }
    return;
  }
  const std::chrono::nanoseconds latency =
      now.time_since_epoch() + steady_to_system_ -
      std::chrono::nanoseconds(timed->write_ns);
  MutexLock lock(mu_);
  if (timed->index < 0 || timed->index >= lines_) {
    ++malformed_;
    return;
  }
  if (timed->index < last_index_) ++out_of_order_;
  last_index_ = std::max(last_index_, timed->index);
  // A duplicate is counted, not timed again: its first arrival is the
  // latency of that line.
  if (seen_[static_cast<size_t>(timed->index)]++ > 0) return;
  latency_.Add(latency);
  if (latency < limit_) ++under_limit_;
}

LogTally LogProbe::Tally() const {
  MutexLock lock(mu_);
  LogTally t;
  t.expected = lines_;
  for (int32_t n : seen_) {
    if (n > 0) ++t.received;
    if (n > 1) t.duplicated += n - 1;
  }
  t.lost = t.expected - t.received;
  t.out_of_order = out_of_order_;
  t.malformed = malformed_;
  t.under_limit = under_limit_;
  t.latency = latency_;
  return t;
}

nlohmann::json ToJson(LogTally& t) {
  return {{"expected", t.expected},
          {"received", t.received},
          {"lost", t.lost},
          {"duplicated", t.duplicated},
          {"out_of_order", t.out_of_order},
          {"malformed", t.malformed},
          {"under_limit", t.under_limit},
          {"latency", ToJson(t.latency.Summarize())}};
}

}  // namespace kiln::bench
