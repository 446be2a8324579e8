// The log-latency phase of build_bench (build_phases.h): how long a build
// log line takes from the agent's write(2) to a client that follows the
// log (GET .../builds/NAME/log?follow=true) through kilnd's HTTPS server.
// kilnd runs fake_agent as its agent; each Build asks it for timed lines
// (FAKE_LOG_LINES, FAKE_LOG_INTERVAL_MS) and holds them back
// (FAKE_WAIT_FOR) until every follower has received the agent's "started"
// line, so all followers are attached before the first timed line. Each
// follower is a StreamWatcher (api_watcher.h), which splits any
// newline-delimited stream, here the plain-text log.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "hack/bench/api_build_body.h"
#include "hack/bench/api_proc.h"
#include "hack/bench/api_watcher.h"
#include "hack/bench/build_log_probe.h"
#include "hack/bench/build_phases.h"
#include "hack/bench/build_tracker.h"

namespace kiln::bench {
namespace {

namespace http = web::http;
using Clock = std::chrono::steady_clock;

// The requirement: a line reaches a follower within 200 ms of its write.
constexpr std::chrono::milliseconds kLimit{200};
// How StreamWatcher notes a stream that the server ended: the normal end
// of a follow, once the Build is terminal.
constexpr char kServerEnd[] = "stream ended: the server closed the stream";

struct Follower {
  std::shared_ptr<LogProbe> probe;
  std::shared_ptr<StreamWatcher> watcher;
};

// api_build_body's Build, run by fake_agent with the timed-lines args.
std::string Body(const std::string& name, const LogLatencyOptions& o,
                 const std::string& release) {
  nlohmann::json body = nlohmann::json::parse(BuildBody(name));
  body["spec"]["buildArgs"] = {
      {"FAKE_WAIT_FOR", release},
      {"FAKE_LOG_LINES", std::to_string(o.lines)},
      {"FAKE_LOG_INTERVAL_MS", std::to_string(o.interval.count())}};
  body["spec"]["timeoutSeconds"] = 600;
  return body.dump();
}

// POSTs the Build. Errors: Unavailable unless answered 201.
Status Create(http::client::http_client& client, const PhaseContext& ctx,
              const std::string& body) {
  http::http_request request =
      NewRequest(ctx.endpoint, http::methods::POST, BuildsPath(ctx.ns));
  request.set_body(body, "application/json");
  try {
    http::http_response response = client.request(request).get();
    const std::string text = response.extract_utf8string(true).get();
    if (response.status_code() == http::status_codes::Created)
      return OkStatus();
    return UnavailableError(fmt::format("create: {} {}", response.status_code(),
                                        text.substr(0, 300)));
  } catch (const std::exception& e) {  // transport, TLS
    return UnavailableError(std::string("create: ") + e.what());
  }
}

// Waits until `done` holds for every follower or `deadline`; returns for
// how many it holds.
template <typename Done>
size_t WaitAll(const std::vector<Follower>& followers, Done done,
               Clock::time_point deadline) {
  while (true) {
    size_t n = 0;
    for (const Follower& f : followers) n += done(f) ? 1 : 0;
    if (n == followers.size() || Clock::now() >= deadline) return n;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The first stream anomaly other than the server's normal end; "" if none.
std::string StreamTrouble(const std::vector<Follower>& followers) {
  for (const Follower& f : followers) {
    const std::string first = f.watcher->first_anomaly();
    if (f.watcher->anomalies() > 1 || (!first.empty() && first != kServerEnd))
      return first;
  }
  return "";
}

// `builds` Builds with `per_build` followers each, named <tag>-<i>.
StatusOr<nlohmann::json> RunOnce(const PhaseContext& ctx,
                                 const LogLatencyOptions& o, int builds,
                                 int per_build, BuildTracker& tracker,
                                 const std::string& tag) {
  const std::string release = ctx.work_dir + "/" + tag + ".go";
  std::filesystem::remove(release);
  http::client::http_client client(
      web::uri(ctx.endpoint.server),
      MakeClientConfig(ctx.endpoint, std::chrono::seconds(30)));
  std::vector<Follower> followers;
  std::vector<std::string> names;
  for (int b = 0; b < builds; ++b) {
    names.push_back(fmt::format("{}-{}", tag, b));
    RETURN_IF_ERROR(Create(client, ctx, Body(names.back(), o, release)));
    const std::string path =
        BuildsPath(ctx.ns) + "/" + names.back() + "/log?follow=true";
    for (int f = 0; f < per_build; ++f) {
      auto probe = std::make_shared<LogProbe>(o.lines, kLimit);
      auto watcher = StreamWatcher::StartWithHandler(
          ctx.endpoint, path,
          [probe](const std::string& line, Clock::time_point now) {
            probe->OnLine(line, now);
          });
      followers.push_back({probe, watcher});
    }
  }
  auto cancel_all = [&followers] {
    for (Follower& f : followers) f.watcher->Cancel();
  };
  const size_t attached = WaitAll(
      followers, [](const Follower& f) { return f.probe->started(); },
      Clock::now() + std::chrono::seconds(60));
  if (attached < followers.size()) {
    const std::string trouble = StreamTrouble(followers);
    cancel_all();
    return UnavailableError(fmt::format(
        "{}: {} of {} followers saw the agent start within 60 s; {}", tag,
        attached, followers.size(), trouble));
  }

  CpuSplitMeter cpu(ctx.kilnd_pid);
  std::ofstream(release).put('\n');  // the agents start writing lines
  const size_t ended = WaitAll(
      followers, [](const Follower& f) { return f.watcher->ended(); },
      Clock::now() + o.lines * o.interval + std::chrono::seconds(60));
  const CpuSplit split = cpu.Read();
  std::map<std::string, int> phases;
  for (const std::string& name : names) {
    const std::string phase =
        tracker.WaitTerminal(name, Clock::now() + std::chrono::seconds(10));
    ++phases[phase.empty() ? "not terminal" : phase];
  }
  cancel_all();  // the ones that did not end

  LogTally tally;
  for (const Follower& f : followers) tally.Merge(f.probe->Tally());
  return nlohmann::json{{"followers", followers.size()},
                        {"builds", builds},
                        {"followers_per_build", per_build},
                        {"ended", ended},
                        {"tally", ToJson(tally)},
                        {"phases", phases},
                        {"cpu", ToJson(split)},
                        {"stream_trouble", StreamTrouble(followers)}};
}

}  // namespace

StatusOr<nlohmann::json> RunLogLatencyPhase(const PhaseContext& ctx,
                                            const LogLatencyOptions& o) {
  if (o.lines <= 0 || o.builds <= 0 || o.followers % o.builds != 0) {
    return InvalidArgumentError(fmt::format(
        "log-latency: need lines > 0 and followers ({}) a multiple of "
        "builds ({})",
        o.followers, o.builds));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<BuildTracker> tracker,
                   BuildTracker::Start(ctx.endpoint, ctx.ns));
  nlohmann::json runs = nlohmann::json::array();
  ASSIGN_OR_RETURN(nlohmann::json one,
                   RunOnce(ctx, o, 1, 1, *tracker, "loglat-k1"));
  runs.push_back(std::move(one));
  ASSIGN_OR_RETURN(nlohmann::json many,
                   RunOnce(ctx, o, o.builds, o.followers / o.builds, *tracker,
                           fmt::format("loglat-k{}", o.followers)));
  runs.push_back(std::move(many));
  return nlohmann::json{{"log_latency",
                         {{"lines", o.lines},
                          {"interval_ms", o.interval.count()},
                          {"limit_ms", kLimit.count()},
                          {"runs", runs},
                          {"watch_anomaly", tracker->anomaly()}}}};
}

}  // namespace kiln::bench
