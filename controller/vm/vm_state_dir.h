// What the VM drivers share about their state directory: STATE_DIR/<name>
// per VM, where <name> is a DNS label. Thread-safe (no state of its own).
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/vm/agent_contract.h"
#include "controller/vm/keyed_mutex.h"
#include "controller/vm/proc_identity.h"
#include "controller/vm/vm_driver.h"
#include "controller/vm/vm_record.h"

namespace kiln {

// OK when `name` is a DNS label (a-z, 0-9, '-', at most 63, no '-' at
// either end): it becomes a directory name and the VM's hostname.
// InvalidArgument naming the rule otherwise.
Status ValidateVmName(const std::string& name);

// The most a record the agent writes (progress.json, result.json) may hold:
// the builder writes them, and it is untrusted.
inline constexpr size_t kAgentRecordMaxBytes = 1 << 20;

// Reads the JSON file `path` (at most `max_bytes`, a regular file) with
// `decode`; nullopt when missing, torn, malformed (the writer has not
// finished: "not yet"), too large or not a regular file.
template <typename T, typename Decode>
std::optional<T> ReadRecord(const std::string& path, Decode decode,
                            size_t max_bytes = kNoSizeLimit) {
  StatusOr<nlohmann::json> j = ReadJsonFile(path, max_bytes);
  if (!j.ok()) return std::nullopt;
  StatusOr<T> value = decode(*j);
  if (!value.ok()) return std::nullopt;
  return std::move(*value);
}

// Removes `path` recursively, except `keep` (and the directories leading to
// it). Best effort.
void RemoveTreeExcept(const std::filesystem::path& path,
                      const std::filesystem::path& keep);

// Waits up to 5 s for the VM's shim (which records the VM's exit into its
// dir) to end, then SIGKILLs it and waits up to `kill_timeout`, polling at
// most `max_pause` apart. Call after the VM's process is gone and before its
// dir is removed, so a later VM of the same name cannot get this one's
// record.
void ReapShim(Clock& clock, const ProcessIdentity& shim,
              std::chrono::milliseconds kill_timeout,
              std::chrono::milliseconds max_pause);

// The VmInfo of VM `name` from its record (DIR/vm.json: name, owner) with
// nothing else filled in; the whole record into `record` unless null.
// NotFound when there is no record, Internal when it cannot be read or
// parsed.
StatusOr<VmInfo> ReadVmRecordInfo(const std::string& dir,
                                  const std::string& name,
                                  VmRecord* record = nullptr);

// Every VM in `state_dir`, sorted by name: `inspect_locked` is called for
// each subdirectory with a valid name while `locks` holds that name. VMs it
// reports NotFound (removed meanwhile) are left out; other errors are
// logged at debug level and left out. Internal when the directory cannot be
// read.
StatusOr<std::vector<VmInfo>> ListVmStates(
    const std::string& state_dir, KeyedMutex& locks,
    const std::function<StatusOr<VmInfo>(const std::string&)>& inspect_locked,
    spdlog::logger& logger);

}  // namespace kiln
