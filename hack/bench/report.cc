#include "hack/bench/report.h"

#include <fmt/format.h>

#include "hack/bench/report_json.h"

namespace kiln::bench {
namespace {

using nlohmann::json;

// The etcd level with `writers` writers, or null.
json FindLevel(const json& etcd, int writers) {
  if (etcd.is_null()) return nullptr;
  for (const json& p : etcd.value("puts", json::array())) {
    if (p.value("writers", 0) == writers) return p;
  }
  return nullptr;
}

std::string OrDash(bool present, const std::string& s) {
  return present ? s : "–";
}

}  // namespace

void PrintKilnTable(const json& k, std::ostream& out) {
  const json& fs = Field(k, "filesystem");
  out << fmt::format("Kiln SqliteStore on {} ({}), value {} B, {} CPUs\n",
                     fs.value("type", "?"), fs.value("source", "?"),
                     k.value("value_bytes", 0), k.value("nproc", 0));
  const json& f = Field(k, "fsync");
  out << fmt::format(
      "raw fsync (append 4 KiB + fdatasync, 1 thread): {:.0f} syncs/s, "
      "p50 {:.3f} ms, p99 {:.3f} ms (others used {:.0f}% of the CPUs)\n\n",
      f.value("syncs_per_s", 0.0), Ms(Field(f, "latency"), "p50_us"),
      Ms(Field(f, "latency"), "p99_us"), 100 * f.value("others_cpu", 0.0));
  out << fmt::format(
      "{:>7} {:>8} {:>8} {:>10} {:>8} {:>8} {:>8} {:>10} {:>9} "
      "{:>8} {:>7} {:>6} {:>7}\n",
      "writers", "fsync/s", "creates", "creates/s", "p50 ms", "p99 ms",
      "max ms", "commits/s", "per-commit", "÷fsync/s", "in-sync", "cpu",
      "others");
  for (const json& c : Field(k, "creates")) {
    const bool counted = c.contains("commits");
    out << fmt::format(
        "{:>7} {:>8.0f} {:>8} {:>10.0f} {:>8.3f} {:>8.3f} {:>8.2f} {:>10} "
        "{:>10} {:>8.2f} {:>7} {:>6.2f} {:>6.0f}%\n",
        c.value("writers", 0), c.value("fsync_per_s", 0.0), c.value("ok", 0),
        c.value("per_s", 0.0), Ms(Field(c, "latency"), "p50_us"),
        Ms(Field(c, "latency"), "p99_us"), Ms(Field(c, "latency"), "max_us"),
        OrDash(counted, fmt::format("{:.0f}", c.value("commits_per_s", 0.0))),
        OrDash(counted, fmt::format("{:.1f}", c.value("batch_avg", 0.0))),
        c.value("vs_fsync", 0.0),
        OrDash(counted,
               fmt::format("{:.0f}%", 100 * c.value("sync_busy", 0.0))),
        c.value("cpu_util", 0.0), 100 * c.value("others_cpu", 0.0));
    if (c.value("errors", 0) > 0) {
      out << "        errors: " << Field(c, "errors")
          << ", first: " << c.value("first_error", "") << "\n";
    }
  }
  out << fmt::format(
      "\n{:>8} {:>8} {:>10} {:>10} {:>8} {:>8} {:>8} {:>14} {:>7}\n",
      "watchers", "writes/s", "expected", "received", "p50 ms", "p99 ms",
      "max ms", "create p50 ms", "others");
  for (const json& w : Field(k, "watch")) {
    out << fmt::format(
        "{:>8} {:>8.0f} {:>10} {:>10} {:>8.3f} {:>8.3f} {:>8.2f} {:>14.3f} "
        "{:>6.0f}%\n",
        w.value("watchers", 0), w.value("send_rate_per_s", 0.0),
        w.value("expected", 0), w.value("received", 0),
        Ms(Field(w, "delivery"), "p50_us"), Ms(Field(w, "delivery"), "p99_us"),
        Ms(Field(w, "delivery"), "max_us"), Ms(Field(w, "create"), "p50_us"),
        100 * w.value("others_cpu", 0.0));
    if (w.value("anomalies", 0) > 0) {
      out << "         anomalies: " << Field(w, "anomalies")
          << ", first: " << w.value("first_anomaly", "") << "\n";
    }
  }
}

void PrintEtcdTable(const json& e, std::ostream& out) {
  out << fmt::format(
      "etcd at {} ({}), value {} B\n", e.value("endpoint", "?"),
      e.value("protocol", "json") == "grpc" ? "native gRPC" : "JSON gateway",
      e.value("value_bytes", 0));
  if (e.contains("error")) {
    out << "etcd NOT MEASURED (or only partly): " << e.value("error", "")
        << "\n";
  }
  out << fmt::format("{:>7} {:>8} {:>10} {:>8} {:>8} {:>8}\n", "writers",
                     "puts", "puts/s", "p50 ms", "p99 ms", "max ms");
  for (const json& p : Field(e, "puts")) {
    out << fmt::format("{:>7} {:>8} {:>10.0f} {:>8.3f} {:>8.3f} {:>8.2f}\n",
                       p.value("writers", 0), p.value("ok", 0),
                       p.value("per_s", 0.0), Ms(Field(p, "latency"), "p50_us"),
                       Ms(Field(p, "latency"), "p99_us"),
                       Ms(Field(p, "latency"), "max_us"));
    if (p.value("errors", 0) > 0) {
      out << "        errors: " << Field(p, "errors")
          << ", first: " << p.value("first_error", "") << "\n";
    }
  }
}

std::string RenderMarkdown(const json& k, const json& etcd_file,
                           const std::string& etcd_note_in) {
  std::string md;
  // etcd figures: from a separate run when given, else interleaved ones.
  const json& etcd = etcd_file.is_null() ? Field(k, "etcd") : etcd_file;
  const bool etcd_measured = !Field(etcd, "puts").empty();
  std::string etcd_note = etcd_note_in;
  if (etcd_note.empty() && etcd.is_object()) {
    etcd_note = etcd.value("error", "");
  }
  const json& f = Field(k, "fsync");
  const double fsync_per_s = f.value("syncs_per_s", 0.0);
  md += fmt::format(
      "Raw fsync rate of the data disk (one thread appending 4 KiB + "
      "`fdatasync`, {:.0f} s): **{:.0f} syncs/s** (p50 {:.3f} ms, p99 {:.3f} "
      "ms; other processes used {:.0f}% of the CPUs meanwhile).\n\n",
      f.value("seconds", 0.0), fsync_per_s, Ms(Field(f, "latency"), "p50_us"),
      Ms(Field(f, "latency"), "p99_us"), 100 * f.value("others_cpu", 0.0));

  md += fmt::format(
      "Durable writes: Kiln `SqliteStore::Create` (fresh store per row) vs "
      "etcd put of the same {} B Build JSON to fresh keys, {} writes per row "
      "(fewer when a run hits its {:.0f} s cap), each writer in a closed "
      "loop; per row, a 0.5 s fsync probe, then Kiln, then etcd. \"creates "
      "per commit\" = creates ÷ WAL commits (counted fdatasyncs); \"others' "
      "CPU\" = share of the machine used by other processes during the Kiln "
      "run of the row.\n\n",
      k.value("value_bytes", 0), k.value("count", 0),
      k.value("max_seconds", 0.0));
  md +=
      "| writers | raw fsync/s just before | Kiln creates/s | "
      "Kiln p50 / p99 / max ms | commits/s | creates per commit | "
      "Kiln ÷ raw fsync/s | etcd puts/s | etcd p50 / p99 / max ms | "
      "Kiln ÷ etcd | others' CPU |\n";
  md += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& c : Field(k, "creates")) {
    const int w = c.value("writers", 0);
    const bool counted = c.contains("commits");
    const json e = FindLevel(etcd, w);
    const bool has_e = !e.is_null() && e.value("per_s", 0.0) > 0;
    const json& el = Field(e, "latency");
    md += fmt::format(
        "| {} | {:.0f} | {:.0f} | {:.2f} / {:.2f} / {:.1f} | {} | {} | {:.2f} "
        "| {} | {} | {} | {:.0f}% |\n",
        w, c.value("fsync_per_s", fsync_per_s), c.value("per_s", 0.0),
        Ms(Field(c, "latency"), "p50_us"), Ms(Field(c, "latency"), "p99_us"),
        Ms(Field(c, "latency"), "max_us"),
        OrDash(counted, fmt::format("{:.0f}", c.value("commits_per_s", 0.0))),
        OrDash(counted, fmt::format("{:.1f}", c.value("batch_avg", 0.0))),
        c.value("vs_fsync", 0.0),
        OrDash(has_e, fmt::format("{:.0f}", has_e ? e.value("per_s", 0.0) : 0)),
        OrDash(has_e, fmt::format("{:.2f} / {:.2f} / {:.1f}", Ms(el, "p50_us"),
                                  Ms(el, "p99_us"), Ms(el, "max_us"))),
        OrDash(has_e, fmt::format("{:.2f}", has_e ? c.value("per_s", 0.0) /
                                                        e.value("per_s", 1.0)
                                                  : 0)),
        100 * c.value("others_cpu", 0.0));
  }
  if (!etcd_measured) {
    md += "\n**etcd not measured**" +
          (etcd_note.empty() ? std::string(".") : ": " + etcd_note) + "\n";
  }

  // Derived observations about the busiest row, so a re-record stays honest.
  const json& creates = Field(k, "creates");
  if (creates.is_array() && !creates.empty() &&
      creates.back().contains("commits")) {
    const json& top = creates.back();
    const double secs = top.value("seconds", 0.0);
    const double in_sync = Field(top, "syncs").value("seconds", 0.0);
    const double ok = top.value("ok", 0.0);
    md += fmt::format(
        "\nAt {} writers: {:.1f} creates per commit, {:.2f}× the raw fsync "
        "rate; the writer thread spent {:.0f}% of the wall time in "
        "`fdatasync`, i.e. ≈ {:.0f} µs per create went to other work on the "
        "single writer thread (apply, JSON, SQLite, hand-off).\n",
        top.value("writers", 0), top.value("batch_avg", 0.0),
        top.value("vs_fsync", 0.0), 100 * top.value("sync_busy", 0.0),
        ok > 0 ? (secs - in_sync) / ok * 1e6 : 0.0);
    const double batch = top.value("batch_avg", 0.0);
    const double vs_fsync = top.value("vs_fsync", 0.0);
    if (batch < 2) {
      md +=
          "**Group commit is not batching here** (under 2 creates per "
          "commit with many concurrent writers).\n";
    } else if (vs_fsync < 1.5) {
      md +=
          "Group commit batches, but throughput stays near the raw fsync "
          "rate: the bound is the single writer thread's CPU per create, "
          "not the disk.\n";
    } else {
      md += "Group commit takes the store well past the raw fsync rate.\n";
    }
  }

  md +=
      "\nWatch delivery: one writer paced at the rate shown, W watchers "
      "blocked in `Watcher::Next`; latency = receive time − steady-clock "
      "time stamped into the object just before `Create` (so it includes "
      "the durable commit; the writer's own `Create` latency is the last "
      "column but one).\n\n";
  md +=
      "| watchers | writes/s | events delivered / expected | p50 ms | "
      "p99 ms | max ms | writer Create p50 ms | others' CPU |\n";
  md += "|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const json& w : Field(k, "watch")) {
    md += fmt::format(
        "| {} | {:.0f} | {} / {} | {:.3f} | {:.3f} | {:.2f} | {:.3f} | "
        "{:.0f}% |\n",
        w.value("watchers", 0), w.value("send_rate_per_s", 0.0),
        w.value("received", 0), w.value("expected", 0),
        Ms(Field(w, "delivery"), "p50_us"), Ms(Field(w, "delivery"), "p99_us"),
        Ms(Field(w, "delivery"), "max_us"), Ms(Field(w, "create"), "p50_us"),
        100 * w.value("others_cpu", 0.0));
  }
  return md;
}

}  // namespace kiln::bench
