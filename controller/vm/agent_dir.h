// The agent directory of a process-driver builder, STATE_DIR/<name>/agent:
// the only part of kilnd's data dir a builder sees (the launch covers the
// rest, detached_launch.h) and, with a user namespace, the only files the
// builder's root owns (user_namespace.h). The VM's own records (vm.json,
// pid.json, exit.json, the host's job.json) stay one level up, where the
// builder can neither read nor forge them.
//
//   agent/job.json       the job as the agent sees it: log and source paths
//                        point into this directory
//         build.log      mount point: the build's log (AgentJob::log_path)
//                        is bound here, read-write
//         source.tar     mount point: the source archive, bound read-only
//         home/ tmp/     HOME and TMPDIR
//         storage/       build storage (the scratch disk's mount point)
//         progress.json, result.json, …   written by the agent
//
// Thread-compatible: one caller per VM (the driver's per-name lock).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/vm/agent_contract.h"
#include "controller/vm/sandbox_mounts.h"
#include "controller/vm/user_namespace.h"

namespace kiln {

inline constexpr char kAgentDirName[] = "agent";

// Makes `agent_dir` afresh (anything an earlier, interrupted start left is
// removed) for `job`, the job as kilnd wrote it: the agent's view of the
// job, the mount points, HOME, TMPDIR and the storage directory. Creates
// the build log (AgentJob::log_path) when missing. With `owner`, the
// directory, everything in it and the build log belong to the namespace's
// root (host id owner->base), so the builder can write them and nothing
// else of the data dir. Returns the binds that put the log and the source
// archive into the builder's view. Internal on I/O errors.
StatusOr<std::vector<BindPlan>> PrepareAgentDir(
    const std::string& agent_dir, const AgentJob& job,
    const std::optional<IdRange>& owner);

}  // namespace kiln
