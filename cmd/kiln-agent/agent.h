// kiln-agent's work for one build, inside the builder VM: materialize the
// source, build it with buildah, push the image, and report through the
// agent contract (controller/vm/agent_contract.h): progress.json while it
// runs, the build log line by line, result.json once at the end.
//
// Assumption: the storage root and run root belong to this VM alone, so
// removing every working container (`buildah rm --all`) and every mount
// below them after a cancellation touches nothing of another build. A
// driver that shares a storage root between concurrent builds must not
// rely on this cleanup.
//
// job.cpus and job.memory_mib are not enforced here: the driver applies them
// (cgroups for `process`, the VM's size for `qemu`); buildah's chroot
// isolation sets no limits of its own.
//
// Used from the main thread only; cancellation arrives through
// Cancellation (signal handlers).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "cmd/kiln-agent/build_log.h"
#include "cmd/kiln-agent/build_output.h"
#include "cmd/kiln-agent/buildah_command.h"
#include "cmd/kiln-agent/cancellation.h"
#include "controller/vm/agent_contract.h"

namespace kiln {

inline constexpr int kAgentExitSucceeded = 0;
inline constexpr int kAgentExitFailed = 1;
inline constexpr int kAgentExitCancelled = 143;  // 128 + SIGTERM

struct AgentOptions {
  std::string work_dir;
  std::string storage_driver = "auto";    // "auto" | "overlay" | "vfs"
  std::chrono::milliseconds grace{5000};  // SIGTERM -> SIGKILL for buildah
  std::string buildah = "buildah";
  std::string version;  // kiln-agent's own, for the builder string
};

// Reads WORK_DIR/job.json and validates it beyond the codec: the Dockerfile
// path is safe, the registry is a HOST:PORT (taken from the image's first
// component when empty), storage and run roots default to WORK_DIR/storage
// and WORK_DIR/run. NotFound when job.json is missing; InvalidArgument with
// the offending field otherwise.
StatusOr<AgentJob> LoadAgentJob(const std::string& work_dir);

// An AgentResult for a failure.
AgentResult AgentFailure(std::string reason, std::string message,
                         std::string step = "");

// The process exit code for `result`: 0, 143 for "Cancelled", else 1.
int AgentExitCode(const AgentResult& result);

class Agent {
 public:
  // Keeps references to `log` and `cancellation` for its lifetime.
  Agent(AgentOptions options, AgentJob job, LogFile& log,
        const Cancellation& cancellation);
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Runs the build to its end and returns the result to write (the caller
  // writes result.json). Never leaves buildah running.
  AgentResult Run();

 private:
  // Each returns a failure result, or nullopt to go on.
  std::optional<AgentResult> PrepareSource();
  std::optional<AgentResult> ComputeDigests(AgentResult& result);
  std::optional<AgentResult> WriteContainersConfig();
  std::optional<AgentResult> BuildImage();
  std::optional<AgentResult> PushImage(AgentResult& result);
  void ResolveBaseImageDigest(AgentResult& result);
  std::string BuilderString();

  // Runs `argv` (`during` names it in a Cancelled message), appending its
  // output to the log line by line and feeding each line to `on_line`; stops it
  // on cancellation (then returns the Cancelled result in `*cancelled`).
  // Returns the exit code, or the error when it cannot be started.
  StatusOr<int> Stream(const std::vector<std::string>& argv,
                       const std::string& during,
                       const std::function<void(const std::string&)>& on_line,
                       std::optional<AgentResult>* cancelled);
  AgentResult Cancel(const std::string& during);
  void Note(const std::string& text);
  void SetProgress(const std::string& phase, const std::string& step);

  const AgentOptions options_;
  const AgentJob job_;
  LogFile& log_;
  const Cancellation& cancellation_;
  const std::string source_dir_;
  std::unique_ptr<BuildahCommand> buildah_;  // set by WriteContainersConfig
  BuildOutput build_output_;
};

}  // namespace kiln
