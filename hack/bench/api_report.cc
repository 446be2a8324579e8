#include "hack/bench/api_report.h"

#include <fmt/format.h>

#include "hack/bench/report_json.h"

namespace kiln::bench {
namespace {

using nlohmann::json;

std::string MiB(const json& mem) {
  return fmt::format("{:.0f}", mem.value("rss_kib", 0) / 1024.0);
}

std::string NonCreated(const json& c) {
  std::string out = fmt::format("{}", c.value("rejected", 0));
  if (c.value("errors", 0) > 0)
    out += fmt::format(" (+{} no response)", c.value("errors", 0));
  return out;
}

void Creates(const json& run, std::string& out) {
  out +=
      "| clients | requests | 201 | non-201 | creates/s | p50 ms | p99 ms | "
      "max ms | kilnd CPU | api_bench CPU | others' CPU | kilnd answers "
      "`/healthz` after |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  for (const json& c : Field(run, "creates")) {
    const json& l = Field(c, "latency");
    const json& cpu = Field(c, "cpu");
    // Requests: answered (latency samples) plus those that got no answer.
    out += fmt::format(
        "| {} | {} | {} | {} | {:.0f} | {:.2f} | {:.2f} | {:.1f} | {} | {} | "
        "{} | {} |\n",
        c.value("clients", 0), l.value("count", 0) + c.value("errors", 0),
        c.value("created", 0), NonCreated(c), c.value("created_per_s", 0.0),
        Ms(l, "p50_us"), Ms(l, "p99_us"), Ms(l, "max_us"), Pct(cpu, "server"),
        Pct(cpu, "bench"), Pct(cpu, "others"),
        c.value("healthy_after", true) ? "yes" : "**no — wedged**");
  }
  bool first = true;
  for (const json& c : Field(run, "creates")) {
    if (c.value("first_failure", "").empty()) continue;
    if (first) out += "\n";
    first = false;
    std::string codes;
    for (const auto& [code, n] : Field(c, "by_status").items())
      codes += fmt::format("{}{}×{}", codes.empty() ? "" : ", ",
                           n.get<int64_t>(), code);
    out +=
        fmt::format("- {} clients: responses {}; first failure: `{}`\n",
                    c.value("clients", 0), codes, c.value("first_failure", ""));
  }
  const json& fill = Field(run, "fill");
  if (!fill.empty()) {
    out += fmt::format(
        "\nThen {} → {} stored Builds (counted by listing) with {} "
        "client(s): "
        "{:.0f} creates/s, p99 {:.1f} ms, non-201: {}.\n",
        run.value("stored_before_fill", 0), run.value("stored", 0),
        fill.value("clients", 0), fill.value("created_per_s", 0.0),
        Ms(Field(fill, "latency"), "p99_us"), NonCreated(fill));
  }
}

void Kubectl(const json& run, std::string& out) {
  out +=
      "| command | objects printed | median s | min s | max s | output | "
      "kilnd CPU | kilnd RSS after, MiB |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& k : Field(run, "kubectl")) {
    out += fmt::format(
        "| `{}` | {} | {:.2f} | {:.2f} | {:.2f} | {:.1f} MiB | {} | {} |\n",
        k.value("command", ""), k.value("objects", 0), k.value("median_s", 0.0),
        k.value("min_s", 0.0), k.value("max_s", 0.0),
        k.value("output_bytes", 0) / 1048576.0, Pct(Field(k, "cpu"), "server"),
        MiB(Field(k, "server_after")));
  }
}

std::string WatchLabel(const json& w) {
  const int after = w.value("after_close_of", 0);
  if (after == 0) return fmt::format("{}", w.value("watchers", 0));
  return fmt::format("{} (just after {} were closed)", w.value("watchers", 0),
                     after);
}

void Watch(const json& run, std::string& out) {
  out +=
      "| watchers | connect s | writes/s | events delivered / expected | "
      "p50 ms | p99 ms | max ms | writer POST p50 / p99 ms | kilnd CPU | "
      "api_bench CPU | others' CPU |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& w : Field(run, "watch")) {
    const json& d = Field(w, "delivery");
    const json& c = Field(w, "create");
    const json& cpu = Field(w, "cpu");
    out += fmt::format(
        "| {} | {:.2f} | {:.1f} | {} / {} | {:.2f} | {:.2f} | {:.1f} | "
        "{:.2f} / {:.2f} | {} | {} | {} |\n",
        WatchLabel(w), w.value("connect_seconds", 0.0),
        w.value("write_rate_per_s", 0.0), w.value("received", 0),
        w.value("expected", 0), Ms(d, "p50_us"), Ms(d, "p99_us"),
        Ms(d, "max_us"), Ms(c, "p50_us"), Ms(c, "p99_us"), Pct(cpu, "server"),
        Pct(cpu, "bench"), Pct(cpu, "others"));
  }
  for (const json& w : Field(run, "watch")) {
    if (w.value("connected", 0) != w.value("watchers", 0) ||
        w.value("anomalies", 0) > 0) {
      out += fmt::format(
          "\n{} watchers: {} connected, {} anomalies; first: `{}`\n",
          WatchLabel(w), w.value("connected", 0), w.value("anomalies", 0),
          w.value("first_anomaly", ""));
    }
  }
}

void Memory(const json& run, std::string& out) {
  out +=
      "| kilnd state | VmRSS MiB | VmHWM MiB | threads |\n"
      "|---|---:|---:|---:|\n";
  auto row = [&out](const std::string& label, const json& m) {
    if (m.empty()) return;
    out += fmt::format("| {} | {} | {:.0f} | {} |\n", label, MiB(m),
                       m.value("hwm_kib", 0) / 1024.0, m.value("threads", 0));
  };
  row("started, no Builds", Field(run, "rss_start_empty"));
  row(fmt::format("{} Builds stored, idle", run.value("stored", 0)),
      Field(run, "rss_idle"));
  const json& kubectl = Field(run, "kubectl");
  if (!kubectl.empty())
    row(fmt::format("after `{}`", kubectl.back().value("command", "")),
        Field(kubectl.back(), "server_after"));
  if (Field(run, "watch").empty()) return;
  out +=
      "\n| watchers | VmRSS MiB before | all connected (+1 s) | after the "
      "events | client closed them (+2 s) |\n"
      "|---:|---:|---:|---:|---:|\n";
  for (const json& w : Field(run, "watch")) {
    out += fmt::format(
        "| {} | {} | {} | {} | {} |\n", WatchLabel(w),
        MiB(Field(w, "rss_before")), MiB(Field(w, "rss_connected")),
        MiB(Field(w, "rss_after_events")), MiB(Field(w, "rss_after_close")));
  }
}

}  // namespace

std::string RenderApiMarkdown(const json& run) {
  std::string out;
  out += "Creates through HTTPS (`POST .../namespaces/bench/builds`, ";
  out += "small inline Build), each client a cpprestsdk `http_client` with ";
  out += "one keep-alive TLS connection in a closed loop:\n\n";
  Creates(run, out);
  out += fmt::format(
      "\n`kubectl get` with {} Builds stored (stock kubectl, 1 warm-up run "
      "then {} timed runs):\n\n",
      run.value("stored", 0), run.value("kubectl_runs", 0));
  Kubectl(run, out);
  out += fmt::format(
      "\nWatch event latency: W streaming watches "
      "(`?watch=1&resourceVersion=<current>`) while one writer creates "
      "{} Builds at {:.0f}/s; latency = receive time − steady-clock time "
      "stamped into annotation `bench/t` just before the POST:\n\n",
      run.value("watch_writes", 0), run.value("watch_rate", 0.0));
  Watch(run, out);
  out += "\nkilnd memory (`/proc/PID/status`):\n\n";
  Memory(run, out);
  return out;
}

}  // namespace kiln::bench
