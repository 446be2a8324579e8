// Wall time of a stock kubectl command against kilnd: one untimed warm-up
// run (fills the discovery cache under --cache-dir), then N timed runs, each
// a fork/exec with stdout to a file; reports min/median/max and what the
// last run printed (table rows, or items of -o json) so that a fast but
// wrong answer shows. A benchmark helper, never run by ctest.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "hack/bench/api_proc.h"

namespace kiln::bench {

struct KubectlOptions {
  std::string kubectl = "kubectl";
  std::string kubeconfig;
  std::string work_dir;  // cache dir, HOME and output files go here
  int runs = 5;
};

struct KubectlResult {
  std::string command;  // as a person would type it
  int runs = 0;
  double min_s = 0;
  double median_s = 0;
  double max_s = 0;
  int64_t objects = 0;  // table rows (header excluded) or JSON items
  int64_t output_bytes = 0;
  CpuSplit cpu;             // over the timed runs (kubectl is in "others")
  ProcMemory server_after;  // kilnd's memory after the runs
};

// Runs `kubectl --kubeconfig K --cache-dir D <args>`. Errors: Internal
// when kubectl cannot be started or exits non-zero (message has its
// stderr), Unavailable when kilnd's /proc entry is gone.
StatusOr<KubectlResult> TimeKubectl(const KubectlOptions& options,
                                    const std::vector<std::string>& args,
                                    pid_t server_pid);

nlohmann::json ToJson(const KubectlResult& r);

}  // namespace kiln::bench
