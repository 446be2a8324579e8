// store_bench: how fast the Kiln store takes durable writes and delivers
// watch events, next to the disk's raw fsync rate and to etcd. A benchmark,
// not a test: never run by ctest. Driven by hack/bench/store_bench.sh, which
// also starts etcd and records the figures in docs/benchmarks.md.
//
//   store_bench kiln [--dir D] [--etcd-endpoint URL] [--json]
//                                             Kiln phases (+ etcd per level)
//   store_bench etcd --endpoint URL [--json]  etcd puts, same load shape
//   store_bench markdown --kiln K.json [--etcd E.json | --etcd-note TEXT]
//
// With --json the human-readable table goes to stderr and one JSON line to
// stdout; without it the table goes to stdout.
#include <CLI/CLI.hpp>
#include <chrono>
#include <exception>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hack/bench/etcd_bench.h"
#include "hack/bench/kiln_bench.h"
#include "hack/bench/report.h"

#ifndef KILN_SOURCE_DIR
#define KILN_SOURCE_DIR "."
#endif

namespace kiln::bench {
namespace {

struct LoadFlags {
  std::vector<int> writers = {1, 8, 64};
  int64_t count = 20000;
  int max_seconds = 8;
};

void AddLoadFlags(CLI::App& app, LoadFlags& f) {
  app.add_option("--writers", f.writers, "Concurrent writer threads per level")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--count", f.count, "Writes per level (split between writers)")
      ->capture_default_str();
  app.add_option("--max-seconds", f.max_seconds,
                 "Stop a level after this long even if --count is not reached")
      ->capture_default_str();
}

// Prints `table` (a callable writing to a stream) and, with `json`, the JSON
// line on stdout.
template <typename Table>
int Emit(const nlohmann::json& result, bool json, Table table) {
  table(json ? std::cerr : std::cout);
  if (json) std::cout << result.dump() << std::endl;
  return 0;
}

StatusOr<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return UnavailableError("cannot read " + path);
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
}

int Fail(const Status& s) {
  std::cerr << "store_bench: " << s.ToString() << std::endl;
  return 1;
}

int Main(int argc, char** argv) {
  CLI::App app{"Kiln store benchmark (not a test)"};
  app.require_subcommand(1);
  bool json = false;

  CLI::App* kiln = app.add_subcommand("kiln", "Benchmark the SQLite store");
  KilnBenchOptions ko;
  ko.dir = std::string(KILN_SOURCE_DIR) + "/.cache/store-bench";
  LoadFlags kl;
  int fsync_ms = 2000;
  kiln->add_option("--dir", ko.dir,
                   "Parent of the scratch dir; must be on the data disk, "
                   "not tmpfs")
      ->capture_default_str();
  kiln->add_flag("--keep", ko.keep, "Keep the scratch directory");
  kiln->add_option("--fsync-ms", fsync_ms, "Raw fsync probe duration")
      ->capture_default_str();
  AddLoadFlags(*kiln, kl);
  kiln->add_option("--watchers", ko.watchers, "Watcher counts")
      ->delimiter(',')
      ->capture_default_str();
  kiln->add_option("--watch-events", ko.watch_events, "Writes per watch level")
      ->capture_default_str();
  kiln->add_option("--watch-rate", ko.watch_rate, "Paced writes/s")
      ->capture_default_str();
  int level_fsync_ms = 500;
  kiln->add_option("--level-fsync-ms", level_fsync_ms,
                   "fsync probe before each concurrency level")
      ->capture_default_str();
  kiln->add_option("--etcd-endpoint", ko.etcd_endpoint,
                   "Also run the etcd put load after each level (etcd on the "
                   "same disk, e.g. http://127.0.0.1:23790)");
  kiln->add_flag("--json", json, "Table to stderr, one JSON line to stdout");

  CLI::App* etcd = app.add_subcommand("etcd", "Benchmark etcd puts");
  EtcdBenchOptions eo;
  LoadFlags el;
  etcd->add_option("--endpoint", eo.endpoint, "etcd client URL")
      ->capture_default_str();
  std::string protocol = "json";
  etcd->add_option("--protocol", protocol,
                   "json: the v3 JSON gateway; grpc: etcd's native gRPC")
      ->check(CLI::IsMember({"json", "grpc"}))
      ->capture_default_str();
  AddLoadFlags(*etcd, el);
  etcd->add_flag("--json", json, "Table to stderr, one JSON line to stdout");

  CLI::App* md = app.add_subcommand("markdown", "Render results as Markdown");
  std::string kiln_file, etcd_file, etcd_note;
  md->add_option("--kiln", kiln_file, "JSON of `store_bench kiln --json`")
      ->required();
  md->add_option("--etcd", etcd_file, "JSON of `store_bench etcd --json`");
  md->add_option("--etcd-note", etcd_note, "Why etcd was not measured");

  CLI11_PARSE(app, argc, argv);

  if (*kiln) {
    ko.writers = kl.writers;
    ko.creates = kl.count;
    ko.max_duration = std::chrono::seconds(kl.max_seconds);
    ko.fsync_duration = std::chrono::milliseconds(fsync_ms);
    ko.level_fsync_duration = std::chrono::milliseconds(level_fsync_ms);
    auto r = RunKilnBench(ko, std::cerr);
    if (!r.ok()) return Fail(r.status());
    return Emit(*r, json, [&](std::ostream& o) {
      PrintKilnTable(*r, o);
      if (r->contains("etcd")) {
        o << "\n";
        PrintEtcdTable((*r)["etcd"], o);
      }
    });
  }
  if (*etcd) {
    eo.writers = el.writers;
    eo.puts = el.count;
    eo.protocol =
        protocol == "grpc" ? EtcdProtocol::kGrpc : EtcdProtocol::kJsonGateway;
    eo.max_duration = std::chrono::seconds(el.max_seconds);
    auto r = RunEtcdBench(eo, std::cerr);
    if (!r.ok()) return Fail(r.status());
    return Emit(*r, json, [&](std::ostream& o) { PrintEtcdTable(*r, o); });
  }
  auto k = ReadJsonFile(kiln_file);
  if (!k.ok()) return Fail(k.status());
  nlohmann::json e;
  if (!etcd_file.empty()) {
    auto parsed = ReadJsonFile(etcd_file);
    if (!parsed.ok()) return Fail(parsed.status());
    e = *parsed;
  }
  std::cout << RenderMarkdown(*k, e, etcd_note);
  return 0;
}

}  // namespace
}  // namespace kiln::bench

int main(int argc, char** argv) {
  // Last-resort catch: nlohmann::json and CLI11 throw; report and exit.
  try {
    return kiln::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "store_bench: " << e.what() << std::endl;
    return 1;
  }
}
