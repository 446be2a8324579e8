#include "hack/bench/api_kubectl.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string_view>

#include "controller/base/files.h"

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Runs argv (posix_spawnp: this process has threads, so no fork) with
// stdout/stderr redirected to files and HOME set to `home` (kubectl must not
// touch the real ~/.kube). Returns the wall time in seconds.
StatusOr<double> RunOnce(const std::vector<std::string>& argv,
                         const std::string& home, const std::string& out,
                         const std::string& err) {
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_text = {"HOME=" + home};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view var(*e);
    // HOME is replaced; SSL_CERT_* are api_bench's own (see api_bench.cc).
    if (var.starts_with("HOME=") || var.starts_with("SSL_CERT_")) continue;
    env_text.emplace_back(*e);
  }
  std::vector<char*> env;
  for (std::string& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const Clock::time_point start = Clock::now();
  pid_t pid = 0;
  int rc =
      posix_spawnp(&pid, args[0], &files, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) {
    return InternalError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return InternalError("waitpid failed");
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return seconds;
  const std::string text = ReadFileOrEmpty(err);
  return InternalError(
      argv[0] + " exited with status " +
      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ": " +
      text.substr(0, 500));
}

// Table rows (lines minus the header) or, for JSON, the items' count.
int64_t CountObjects(const std::string& path, bool json) {
  std::ifstream in(path);
  if (json) {
    try {
      return nlohmann::json::parse(in).at("items").size();
    } catch (const std::exception&) {  // not a List: report 0 objects
      return 0;
    }
  }
  int64_t lines = 0;
  std::string line;
  while (std::getline(in, line)) ++lines;
  return std::max<int64_t>(0, lines - 1);
}

}  // namespace

StatusOr<KubectlResult> TimeKubectl(const KubectlOptions& options,
                                    const std::vector<std::string>& args,
                                    pid_t server_pid) {
  std::vector<std::string> argv = {options.kubectl, "--kubeconfig",
                                   options.kubeconfig, "--cache-dir",
                                   options.work_dir + "/kube-cache"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out = options.work_dir + "/kubectl.out";
  const std::string err = options.work_dir + "/kubectl.err";

  KubectlResult r;
  r.command = "kubectl";
  for (const std::string& a : args) r.command += " " + a;
  ASSIGN_OR_RETURN(double warmup, RunOnce(argv, options.work_dir, out, err));
  (void)warmup;  // discovery cache filled; not part of the figure
  std::vector<double> times;
  CpuSplitMeter cpu(server_pid);
  for (int i = 0; i < options.runs; ++i) {
    ASSIGN_OR_RETURN(double s, RunOnce(argv, options.work_dir, out, err));
    times.push_back(s);
  }
  r.cpu = cpu.Read();
  std::sort(times.begin(), times.end());
  r.runs = options.runs;
  r.min_s = times.front();
  r.median_s = times[times.size() / 2];
  r.max_s = times.back();
  const bool json = std::find(args.begin(), args.end(), "json") != args.end();
  r.objects = CountObjects(out, json);
  std::ifstream sized(out, std::ios::ate | std::ios::binary);
  r.output_bytes = static_cast<int64_t>(sized.tellg());
  ASSIGN_OR_RETURN(r.server_after, ReadProcMemory(server_pid));
  return r;
}

nlohmann::json ToJson(const KubectlResult& r) {
  return {{"command", r.command},
          {"runs", r.runs},
          {"min_s", r.min_s},
          {"median_s", r.median_s},
          {"max_s", r.max_s},
          {"objects", r.objects},
          {"output_bytes", r.output_bytes},
          {"cpu", ToJson(r.cpu)},
          {"server_after", ToJson(r.server_after)}};
}

}  // namespace kiln::bench
