#include "hack/bench/build_report.h"

#include <fmt/format.h>

#include "hack/bench/report_json.h"

namespace kiln::bench {
namespace {

using nlohmann::json;

std::string Counts(const json& by_phase) {
  std::string out;
  for (const auto& [phase, n] : by_phase.items())
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n.get<int64_t>(),
                       phase);
  return out.empty() ? "none" : out;
}

// One row: p50, p99, max of a latency summary in `unit` (ms or s).
void LatencyRow(const char* what, const json& l, bool seconds,
                std::string& out) {
  const double scale = seconds ? 1e6 : 1e3;
  const char* unit = seconds ? "s" : "ms";
  std::string row = fmt::format("| {} |", what);
  for (const char* field : {"p50_us", "p99_us", "max_us"})
    row += fmt::format(" {:.2f} {} |", l.value(field, 0.0) / scale, unit);
  out += row + fmt::format(" {} |\n", l.value("count", 0));
}

void Latency(const json& l, std::string& out) {
  out += fmt::format(
      "Create → running: {} sequential Builds (`FROM kiln/busybox:1` + "
      "`RUN true`, 1 CPU, 512 MiB), each waited for until terminal before "
      "the next; times from the 201 of the POST (the VM process: its "
      "`pid.json` polled every 1 ms; `Building`: the event on a watch "
      "stream opened before the first create):\n\n",
      l.value("builds", 0));
  out +=
      "| measure | p50 | p99 | max | samples |\n"
      "|---|---:|---:|---:|---:|\n";
  LatencyRow("POST → 201", Field(l, "post"), false, out);
  LatencyRow("201 → VM process running (`pid.json`)", Field(l, "to_vm"), false,
             out);
  LatencyRow("201 → `Building` event", Field(l, "to_building"), false, out);
  LatencyRow("201 → terminal event", Field(l, "to_terminal"), true, out);
  out += fmt::format(
      "\nOutcomes: {}. kilnd CPU {}, others' CPU {} (builders included).\n",
      Counts(Field(l, "phases")), Pct(Field(l, "cpu"), "server"),
      Pct(Field(l, "cpu"), "others"));
}

std::string Runs(const json& seconds) {
  std::string out;
  for (const json& s : seconds)
    out += fmt::format("{}{:.2f}", out.empty() ? "" : ", ", s.get<double>());
  return out;
}

void Overhead(const json& o, std::string& out) {
  const json& direct = Field(o, "direct");
  const json& kiln = Field(o, "kiln");
  const double d = direct.value("p50_us", 0.0) / 1e6;
  const double k = kiln.value("p50_us", 0.0) / 1e6;
  out += fmt::format(
      "\nOverhead over buildah alone: the same Dockerfile, {} runs each way, "
      "interleaved. Alone: `buildah build --isolation chroot --layers "
      "--force-rm` + `buildah push --tls-verify=false` to the same embedded "
      "registry, with kiln-agent's command lines and containers config, in a "
      "fresh storage root per run (storage driver {}). Through Kiln: 201 → "
      "`Ready` event (agent storage driver {}):\n\n",
      o.value("runs", 0), o.value("direct_driver", "?"),
      o.value("kiln_driver", "?"));
  out +=
      "| way | median s | max s | each run, s |\n"
      "|---|---:|---:|---|\n";
  out += fmt::format(
      "| buildah alone (build + push) | {:.2f} | {:.2f} | {} |\n", d,
      direct.value("max_us", 0.0) / 1e6, Runs(Field(o, "direct_s")));
  out +=
      fmt::format("| through Kiln (201 → Ready) | {:.2f} | {:.2f} | {} |\n", k,
                  kiln.value("max_us", 0.0) / 1e6, Runs(Field(o, "kiln_s")));
  out += fmt::format(
      "\nKiln ÷ buildah alone (medians): **{:.2f}×**, i.e. +{:.2f} s per "
      "build. kilnd CPU {}, others' CPU {} (buildah included).\n",
      d > 0 ? k / d : 0.0, k - d, Pct(Field(o, "cpu"), "server"),
      Pct(Field(o, "cpu"), "others"));
}

void Throughput(const json& t, std::string& out) {
  out += fmt::format(
      "\nBuilds/minute at full capacity (`--max-builds 2`, 2 CPUs): one "
      "client submits the same Build for {} s, again at once after a 201, "
      "{} ms after a 503; Builds that reached a terminal phase within the "
      "window are counted, then the last ones are let finish:\n\n",
      t.value("window_s", 0), t.value("poll_ms", 0));
  out +=
      "| created (201) | 503 answers | other failures | terminal in window | "
      "Ready/minute | kilnd CPU | others' CPU |\n"
      "|---:|---:|---:|---|---:|---:|---:|\n";
  out += fmt::format(
      "| {} | {} | {} | {} | **{:.1f}** | {} | {} |\n", t.value("created", 0),
      t.value("unavailable_503", 0), t.value("other_failures", 0),
      Counts(Field(t, "terminal_in_window")), t.value("ready_per_minute", 0.0),
      Pct(Field(t, "cpu"), "server"), Pct(Field(t, "cpu"), "others"));
  std::string retry_after;
  for (const auto& [seconds, n] : Field(t, "retry_after_s").items()) {
    retry_after += fmt::format("{}{}× {} s", retry_after.empty() ? "" : ", ",
                               n.get<int64_t>(), seconds);
  }
  out += fmt::format("\n`Retry-After` of the 503s: {}.",
                     retry_after.empty() ? "none" : retry_after);
  if (!t.value("first_other", "").empty())
    out +=
        fmt::format(" First other failure: `{}`.", t.value("first_other", ""));
  out += "\n";
}

void Recovery(const json& r, std::string& out) {
  const json& mem = Field(r, "memory_after");
  out += fmt::format(
      "\nRecovery: {} Builds created while kilnd ran with "
      "`--controllers=false` (they stay Pending), kilnd stopped, then "
      "started again with its controllers and `--agent-path` = "
      "`fake_agent`; times from the start of the second kilnd:\n\n",
      r.value("builds", 0));
  out +=
      "| Builds | serving (kubeconfig) s | first terminal s | all terminal "
      "s | outcomes | kilnd CPU s | kilnd CPU share | others' CPU | VmRSS "
      "after, MiB | VmHWM, MiB |\n"
      "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n";
  out += fmt::format(
      "| {} | {:.2f} | {:.2f} | **{:.2f}** | {} | {:.1f} | {} | {} | {:.0f} | "
      "{:.0f} |\n",
      r.value("builds", 0), r.value("ready_s", 0.0),
      r.value("first_terminal_s", 0.0), r.value("all_terminal_s", 0.0),
      Counts(Field(r, "phases")), r.value("kilnd_cpu_s", 0.0),
      Pct(Field(r, "cpu"), "server"), Pct(Field(r, "cpu"), "others"),
      mem.value("rss_kib", 0) / 1024.0, mem.value("hwm_kib", 0) / 1024.0);
  if (r.value("terminal", 0) < r.value("builds", 0)) {
    out += fmt::format("\n**Only {} of {} were terminal after 5 minutes.**\n",
                       r.value("terminal", 0), r.value("builds", 0));
  }
}

void LogLatencyRun(const json& r, std::string& out) {
  const json& t = Field(r, "tally");
  const json& l = Field(t, "latency");
  const int64_t received = t.value("received", int64_t{0});
  const double under =
      received > 0 ? 100.0 * t.value("under_limit", 0.0) / received : 0.0;
  out += fmt::format(
      "| {} | {} × {} | {} / {} | {:.1f} ms | {:.1f} ms | {:.1f} ms | "
      "**{:.2f}%** | {} | {} | {} | {} | {} |\n",
      r.value("followers", 0), r.value("builds", 0),
      r.value("followers_per_build", 0), received, t.value("expected", 0),
      Ms(l, "p50_us"), Ms(l, "p99_us"), Ms(l, "max_us"), under,
      t.value("lost", 0), t.value("duplicated", 0), t.value("out_of_order", 0),
      Pct(Field(r, "cpu"), "server"), Pct(Field(r, "cpu"), "others"));
}

void LogLatency(const json& g, std::string& out) {
  if (!out.empty()) out += "\n";
  out += fmt::format(
      "Each Build's agent (`fake_agent`) writes {} lines `line I t=NS`, {} ms "
      "apart, one `write(2)` each, NS being `CLOCK_REALTIME` just before the "
      "write; the followers read `GET .../builds/NAME/log?follow=true` "
      "through kilnd's HTTPS server and take the system clock when the bytes "
      "arrive. Latency = receive − NS, over every line of every follower; "
      "the requirement is < {} ms:\n\n",
      g.value("lines", 0), g.value("interval_ms", 0), g.value("limit_ms", 0));
  out +=
      "| followers | Builds × followers each | lines received | p50 | p99 | "
      "max | under the limit | lost | duplicated | out of order | kilnd CPU "
      "| others' CPU |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& r : Field(g, "runs")) LogLatencyRun(r, out);
  for (const json& r : Field(g, "runs")) {
    out += fmt::format(
        "\n{} follower{}: Builds {}; streams ended by the server: {} of {}.",
        r.value("followers", 0), r.value("followers", 0) == 1 ? "" : "s",
        Counts(Field(r, "phases")), r.value("ended", 0),
        r.value("followers", 0));
    const int64_t malformed = Field(r, "tally").value("malformed", 0);
    if (malformed > 0)
      out += fmt::format(" **{} unreadable lines.**", malformed);
    if (!r.value("stream_trouble", "").empty()) {
      out +=
          fmt::format(" Stream trouble: `{}`.", r.value("stream_trouble", ""));
    }
    out += "\n";
  }
}

}  // namespace

std::string RenderBuildsMarkdown(const json& run) {
  std::string out;
  if (!Field(run, "latency").empty()) Latency(Field(run, "latency"), out);
  if (!Field(run, "overhead").empty()) Overhead(Field(run, "overhead"), out);
  if (!Field(run, "throughput").empty())
    Throughput(Field(run, "throughput"), out);
  if (!Field(run, "recovery").empty()) Recovery(Field(run, "recovery"), out);
  if (!Field(run, "log_latency").empty())
    LogLatency(Field(run, "log_latency"), out);
  for (const char* phase :
       {"latency", "overhead", "throughput", "recovery", "log_latency"}) {
    const std::string anomaly = Field(run, phase).value("watch_anomaly", "");
    if (!anomaly.empty())
      out += fmt::format("\n{}: watch trouble: `{}`\n", phase, anomaly);
  }
  return out;
}

}  // namespace kiln::bench
