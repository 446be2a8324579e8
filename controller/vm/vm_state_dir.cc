#include "controller/vm/vm_state_dir.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "controller/vm/poll.h"

namespace kiln {

namespace fs = std::filesystem;

Status ValidateVmName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 63 && name.front() != '-' &&
            name.back() != '-';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return InvalidArgumentError("VM name \"" + name +
                                "\": must be a DNS label (a-z, 0-9, '-')");
  }
  return OkStatus();
}

void RemoveTreeExcept(const fs::path& path, const fs::path& keep) {
  std::error_code ec;
  const std::string p = path.lexically_normal().string();
  const std::string k = keep.lexically_normal().string();
  if (keep.empty() || (k != p && k.rfind(p + "/", 0) != 0)) {
    fs::remove_all(path, ec);
    return;
  }
  if (k == p || !fs::is_directory(fs::symlink_status(path, ec))) return;
  for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
    RemoveTreeExcept(entry.path(), keep);
  }
}

void ReapShim(Clock& clock, const ProcessIdentity& shim,
              std::chrono::milliseconds kill_timeout,
              std::chrono::milliseconds max_pause) {
  if (!PollUntil(clock, std::chrono::seconds(5), max_pause,
                 [&] { return !IsProcessAlive(shim); })) {
    if (IsSameProcess(shim)) kill(shim.pid, SIGKILL);
    PollUntil(clock, kill_timeout, max_pause,
              [&] { return !IsProcessAlive(shim); });
  }
}

StatusOr<VmInfo> ReadVmRecordInfo(const std::string& dir,
                                  const std::string& name, VmRecord* record) {
  StatusOr<nlohmann::json> record_json =
      ReadJsonFile(dir + "/" + kVmRecordFile);
  if (!record_json.ok()) {
    if (record_json.status().code() == StatusCode::kNotFound) {
      return NotFoundError("no VM " + name);
    }
    return InternalError("VM " + name + ": " + record_json.status().message());
  }
  ASSIGN_OR_RETURN(VmRecord parsed, VmRecordFromJson(*record_json));
  VmInfo info;
  info.name = name;
  info.owner_key = parsed.owner_key;
  info.owner_uid = parsed.owner_uid;
  if (record != nullptr) *record = std::move(parsed);
  return info;
}

StatusOr<std::vector<VmInfo>> ListVmStates(
    const std::string& state_dir, KeyedMutex& locks,
    const std::function<StatusOr<VmInfo>(const std::string&)>& inspect_locked,
    spdlog::logger& logger) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(state_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && ValidateVmName(name).ok()) {
      names.push_back(name);
    }
  }
  if (ec)
    return InternalError("cannot list " + state_dir + ": " + ec.message());
  std::sort(names.begin(), names.end());
  std::vector<VmInfo> vms;
  for (const std::string& name : names) {
    KeyedMutex::Lock lock(locks, name);
    StatusOr<VmInfo> info = inspect_locked(name);
    if (info.ok()) {
      vms.push_back(std::move(*info));
    } else if (info.status().code() != StatusCode::kNotFound) {
      logger.debug("[vm {}] skipped in List: {}", name,
                   info.status().ToString());
    }
  }
  return vms;
}

}  // namespace kiln
