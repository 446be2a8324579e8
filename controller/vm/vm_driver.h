// VmDriver: creates, inspects and deletes builder VMs by deterministic name.
// A "VM" is whatever isolates one build (a namespaced process tree for the
// `process` driver, a QEMU microVM for `qemu`); what runs inside is always
// kiln-agent with the contract of controller/vm/agent_contract.h.
//
// Every method is idempotent and keyed by name only: VMs outlive kilnd, and
// a restarted kilnd finds them again through the driver's state on disk,
// never through memory. Nothing here assumes the VM runs on this host beyond
// what a driver chooses to do.
//
// Thread-safety: implementations are thread-safe; calls for different names
// may run concurrently, calls for one name are serialized by the caller (the
// work queue hands a key to one worker at a time) but must stay safe if not.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/vm/agent_contract.h"

namespace kiln {

// What to run and with how much.
struct VmSpec {
  // The owning Build: "namespace/name" and its metadata.uid. Recorded with
  // the VM so GC can match VMs to Builds.
  std::string owner_key;
  std::string owner_uid;
  int64_t cpus = 1;
  int64_t memory_mib = 512;
  AgentJob job;
};

enum class VmState {
  kRunning,  // the agent is (or may still be) working
  kExited,   // the agent is gone; result() may hold its outcome
};

struct VmInfo {
  std::string name;
  std::string owner_key;
  std::string owner_uid;
  VmState state = VmState::kRunning;
  // Latest progress the agent reported (may lag).
  std::optional<AgentProgress> progress;
  // Set once the agent wrote its result (normally only when kExited).
  std::optional<AgentResult> result;
  // When kExited without a result: why, as far as the driver can tell
  // ("killed by signal 9", "out of memory (cgroup OOM kill)").
  std::string exit_reason;
  bool oom_killed = false;
};

class VmDriver {
 public:
  virtual ~VmDriver() = default;

  // "process" | "qemu"; recorded in Build status.vm.driver.
  virtual std::string name() const = 0;

  // Starts a VM called `name` running the agent on `spec.job`. Returns once
  // the VM exists (it keeps running on its own). AlreadyExists is never
  // returned: creating an existing VM is OK and changes nothing.
  // ResourcesExhausted / Unavailable / Internal when it cannot be started.
  virtual Status Create(const std::string& name, const VmSpec& spec) = 0;

  // NotFound when there is no VM of that name.
  virtual StatusOr<VmInfo> Inspect(const std::string& name) = 0;

  // Stops the VM (graceful first: the agent cleans up; forced after
  // `grace`) and removes its state. OK when it does not exist. The build
  // log (AgentJob::log_path) is not the driver's and is kept.
  virtual Status Delete(const std::string& name,
                        std::chrono::milliseconds grace) = 0;

  // Every VM this driver knows of (running or exited).
  virtual StatusOr<std::vector<VmInfo>> List() = 0;

 protected:
  VmDriver() = default;
};

// The VM name of a Build: "kiln-" + its uid without dashes, lower case
// (37 characters for an RFC 4122 uid). Deterministic, so a Build whose VM
// was never recorded in its status still finds its VM; the whole uid, so
// names never collide.
std::string VmNameForBuild(const std::string& build_uid);

}  // namespace kiln
