// kiln-agent: runs one build inside a builder VM (docs/design.md "VM
// drivers").
//
//   kiln-agent --work-dir DIR
//
// Reads DIR/job.json, writes DIR/progress.json while it works and
// DIR/result.json once at the end, appends the build log at job.logPath.
// Exit status: 0 succeeded, 1 failed (result.json says why), 143 cancelled
// by SIGTERM/SIGINT, 2 when even result.json could not be written.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "cmd/kiln-agent/agent.h"
#include "cmd/kiln-agent/cancellation.h"

namespace {

int Finish(const std::string& work_dir, const kiln::AgentResult& result) {
  const std::string path =
      (std::filesystem::path(work_dir) / kiln::kAgentResultFile).string();
  kiln::Status s =
      kiln::WriteJsonFileAtomically(path, kiln::AgentResultToJson(result));
  if (!s.ok()) {
    spdlog::error("cannot write {}: {}", path, s.ToString());
    return 2;
  }
  if (!result.succeeded) {
    spdlog::error("{}: {}", result.reason, result.message);
  }
  return kiln::AgentExitCode(result);
}

}  // namespace

int main(int argc, char** argv) {
  kiln::AgentOptions options;
  options.version = KILN_AGENT_VERSION;
  int64_t grace_seconds = 5;
  CLI::App app{
      "kiln-agent - builds one container image inside a builder VM: reads "
      "WORK_DIR/job.json, runs buildah, pushes, writes WORK_DIR/result.json."};
  app.add_option("--work-dir", options.work_dir, "the VM's work directory")
      ->required();
  app.add_option("--storage-driver", options.storage_driver,
                 "containers/storage driver")
      ->check(CLI::IsMember({"auto", "overlay", "vfs"}))
      ->capture_default_str();
  app.add_option("--grace-seconds", grace_seconds,
                 "on SIGTERM, how long buildah gets before SIGKILL")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--buildah", options.buildah, "the buildah binary")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.grace = std::chrono::seconds(grace_seconds);

  spdlog::set_default_logger(spdlog::stderr_logger_mt("kiln-agent"));
  signal(SIGPIPE, SIG_IGN);
  auto cancellation = kiln::Cancellation::Create();
  kiln::Status installed =
      cancellation.ok()
          ? kiln::Cancellation::InstallSignalHandlers(cancellation->get())
          : cancellation.status();
  if (!installed.ok()) {
    return Finish(options.work_dir,
                  kiln::AgentFailure("AgentError", installed.message()));
  }

  kiln::StatusOr<kiln::AgentJob> job = kiln::LoadAgentJob(options.work_dir);
  if (!job.ok()) {
    return Finish(options.work_dir,
                  kiln::AgentFailure("AgentError",
                                     "invalid job: " + job.status().message()));
  }
  auto log = kiln::LogFile::Open(job->log_path, job->log_max_bytes);
  if (!log.ok()) {
    return Finish(options.work_dir,
                  kiln::AgentFailure("AgentError", log.status().message()));
  }
  kiln::Agent agent(options, *std::move(job), **log, **cancellation);
  return Finish(options.work_dir, agent.Run());
}
