#include "hack/bench/kiln_bench.h"

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>

#include "controller/store/sqlite_store.h"
#include "hack/bench/bench_object.h"
#include "hack/bench/cpu_share.h"
#include "hack/bench/etcd_bench.h"
#include "hack/bench/fs_info.h"
#include "hack/bench/fsync_probe.h"
#include "hack/bench/sync_counter.h"
#include "hack/bench/watch_load.h"
#include "hack/bench/write_load.h"

namespace kiln::bench {
namespace {

// A directory removed on destruction unless kept.
class ScratchDir {
 public:
  static StatusOr<std::unique_ptr<ScratchDir>> Create(const std::string& parent,
                                                      bool keep) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return UnavailableError("mkdir " + parent + ": " + ec.message());
    std::string tmpl = parent + "/store-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      return UnavailableError("mkdtemp in " + parent + " failed");
    }
    return std::unique_ptr<ScratchDir>(new ScratchDir(tmpl, keep));
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!keep_) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  ScratchDir(std::string path, bool keep)
      : path_(std::move(path)), keep_(keep) {}
  const std::string path_;
  const bool keep_;
};

StatusOr<std::unique_ptr<SqliteStore>> OpenStore(const std::string& dir) {
  SqliteStoreOptions o;
  o.path = dir + "/kiln.db";
  return SqliteStore::Open(o);
}

// One concurrency level of Create(): a fresh store, `writers` threads each
// creating "/builds/bench/<t>-<i>".
StatusOr<nlohmann::json> RunCreates(const std::string& dir, int writers,
                                    const KilnBenchOptions& options,
                                    double fsync_per_s) {
  ASSIGN_OR_RETURN(auto store, OpenStore(dir));
  WriteLoadOptions load;
  load.writers = writers;
  load.count = options.creates;
  load.max_duration = options.max_duration;
  SqliteStore& s = *store;
  auto factory = [&s](int t) -> StatusOr<WriteFn> {
    auto tmpl = std::make_shared<const nlohmann::json>(
        MakeBuildObject("bench", "tmpl", t));
    return WriteFn([&s, tmpl, t](int64_t i) {
      const std::string name = std::to_string(t) + "-" + std::to_string(i);
      nlohmann::json value = *tmpl;
      value["metadata"]["name"] = name;
      return s.Create({"builds", "bench", name}, std::move(value)).status();
    });
  };
  CpuShareMeter others;
  StartSyncCounting();
  auto result = RunWriteLoad(load, factory);
  SyncCounts syncs = StopSyncCounting();
  const double others_cpu = others.OthersShare();
  store.reset();
  RETURN_IF_ERROR(result.status());

  nlohmann::json j = ToJson(*result);
  const double secs = result->seconds;
  j["vs_fsync"] = fsync_per_s > 0 ? result->per_s / fsync_per_s : 0;
  j["cpu_util"] = secs > 0 ? result->cpu_seconds / secs : 0;
  j["others_cpu"] = others_cpu;
  if (SyncInterpositionSeen() && syncs.wal > 0) {
    // Every commit syncs the WAL once; a checkpoint syncs the WAL and then
    // the database once more, so WAL syncs - database syncs ~= commits.
    const int64_t commits = std::max<int64_t>(1, syncs.wal - syncs.db);
    j["syncs"] = {
        {"wal", syncs.wal},
        {"db", syncs.db},
        {"other", syncs.other},
        {"seconds", std::chrono::duration<double>(syncs.time).count()}};
    j["commits"] = commits;
    j["commits_per_s"] = secs > 0 ? commits / secs : 0;
    j["batch_avg"] = static_cast<double>(result->ok) / commits;
    j["sync_busy"] =
        secs > 0 ? std::chrono::duration<double>(syncs.time).count() / secs : 0;
  }
  return j;
}

// Raw fsync rate: the headline probe.
StatusOr<nlohmann::json> RunFsyncPhase(const std::string& dir,
                                       const KilnBenchOptions& options,
                                       std::ostream& progress) {
  progress << "store_bench: raw fsync probe (" << options.fsync_duration.count()
           << " ms)..." << std::endl;
  CpuShareMeter others;
  ASSIGN_OR_RETURN(FsyncProbeResult probe,
                   ProbeFsync(dir, options.fsync_duration));
  return nlohmann::json{{"others_cpu", others.OthersShare()},
                        {"syncs", probe.syncs},
                        {"seconds", probe.seconds},
                        {"syncs_per_s", probe.syncs_per_s},
                        {"latency", ToJson(probe.latency)}};
}

// Every concurrency level: fsync probe, Kiln creates, then (optionally) the
// same load on etcd. Fills out["creates"] and out["etcd"].
Status RunCreatePhase(const std::string& dir, const KilnBenchOptions& options,
                      std::ostream& progress, nlohmann::json& out) {
  out["creates"] = nlohmann::json::array();
  const bool with_etcd = !options.etcd_endpoint.empty();
  Status etcd_status = OkStatus();
  if (with_etcd) {
    etcd_status = ProbeEtcd(options.etcd_endpoint, EtcdProtocol::kJsonGateway);
    out["etcd"] = {{"endpoint", options.etcd_endpoint},
                   {"value_bytes", out["value_bytes"]},
                   {"puts", nlohmann::json::array()}};
  }
  for (int w : options.writers) {
    progress << "store_bench: creates with " << w << " writer(s)..."
             << std::endl;
    ASSIGN_OR_RETURN(FsyncProbeResult probe,
                     ProbeFsync(dir, options.level_fsync_duration));
    ASSIGN_OR_RETURN(nlohmann::json level,
                     RunCreates(dir + "/creates-" + std::to_string(w), w,
                                options, probe.syncs_per_s));
    level["fsync_per_s"] = probe.syncs_per_s;
    out["creates"].push_back(std::move(level));
    if (!with_etcd || !etcd_status.ok()) continue;
    progress << "store_bench: etcd puts with " << w << " writer(s)..."
             << std::endl;
    auto e = RunEtcdLevel(options.etcd_endpoint, EtcdProtocol::kJsonGateway, w,
                          options.creates, options.max_duration);
    if (e.ok()) {
      out["etcd"]["puts"].push_back(std::move(*e));
    } else {
      etcd_status = e.status();
    }
  }
  if (!etcd_status.ok()) {
    progress << "store_bench: etcd NOT MEASURED: " << etcd_status.ToString()
             << "\n";
    out["etcd"]["error"] = etcd_status.ToString();
  }
  out["sync_counting"] = SyncInterpositionSeen();
  return OkStatus();
}

StatusOr<nlohmann::json> RunWatchPhase(const std::string& dir,
                                       const KilnBenchOptions& options,
                                       std::ostream& progress) {
  nlohmann::json levels = nlohmann::json::array();
  for (int w : options.watchers) {
    progress << "store_bench: watch delivery with " << w << " watcher(s)..."
             << std::endl;
    ASSIGN_OR_RETURN(auto store,
                     OpenStore(dir + "/watch-" + std::to_string(w)));
    WatchLoadOptions wl;
    wl.watchers = w;
    wl.events = options.watch_events;
    wl.rate_per_s = options.watch_rate;
    CpuShareMeter others;
    ASSIGN_OR_RETURN(WatchLoadResult r, RunWatchLoad(*store, wl));
    nlohmann::json level = ToJson(r);
    level["others_cpu"] = others.OthersShare();
    levels.push_back(std::move(level));
  }
  return levels;
}

}  // namespace

StatusOr<nlohmann::json> RunKilnBench(const KilnBenchOptions& options,
                                      std::ostream& progress) {
  ASSIGN_OR_RETURN(auto scratch, ScratchDir::Create(options.dir, options.keep));
  const std::string& dir = scratch->path();
  ASSIGN_OR_RETURN(FilesystemInfo fs, DescribeFilesystem(dir));
  nlohmann::json out = {{"mode", "kiln"}, {"dir", dir}};
  out["filesystem"] = {{"type", fs.type},
                       {"source", fs.source},
                       {"mount_point", fs.mount_point},
                       {"memory", fs.is_memory()}};
  out["nproc"] = std::thread::hardware_concurrency();
  out["value_bytes"] = MakeBuildObject("bench", "0-0", 0).dump().size();
  out["count"] = options.creates;
  out["max_seconds"] =
      std::chrono::duration<double>(options.max_duration).count();
  progress << "store_bench: scratch dir " << dir << " on " << fs.type << " ("
           << fs.source << " at " << fs.mount_point << ")\n";
  if (fs.is_memory()) {
    progress << "store_bench: WARNING: " << fs.type
             << " is memory, not a disk: fsync costs nothing here and the "
                "figures say nothing about durability cost. Use --dir.\n";
  }
  ASSIGN_OR_RETURN(out["fsync"], RunFsyncPhase(dir, options, progress));
  RETURN_IF_ERROR(RunCreatePhase(dir, options, progress, out));
  ASSIGN_OR_RETURN(out["watch"], RunWatchPhase(dir, options, progress));
  return out;
}

}  // namespace kiln::bench
