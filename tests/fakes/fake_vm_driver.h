// FakeVmDriver: an in-memory VmDriver for reconciler unit tests. Tests move
// VMs along (progress, exit) by hand. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controller/vm/vm_driver.h"

namespace kiln {

class FakeVmDriver final : public VmDriver {
 public:
  std::string name() const override { return "fake"; }

  Status Create(const std::string& name, const VmSpec& spec) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!create_error_.ok()) return create_error_;
    ++creates_;
    if (vms_.count(name)) return OkStatus();
    VmInfo info;
    info.name = name;
    info.owner_key = spec.owner_key;
    info.owner_uid = spec.owner_uid;
    vms_[name] = info;
    specs_[name] = spec;
    return OkStatus();
  }

  StatusOr<VmInfo> Inspect(const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = vms_.find(name);
    if (it == vms_.end()) return NotFoundError("no VM " + name);
    return it->second;
  }

  Status Delete(const std::string& name, std::chrono::milliseconds) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!delete_error_.ok()) return delete_error_;
    if (vms_.erase(name)) ++deletes_;
    return OkStatus();
  }

  StatusOr<std::vector<VmInfo>> List() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<VmInfo> out;
    for (const auto& [n, info] : vms_) out.push_back(info);
    return out;
  }

  // --- test controls
  void SetProgress(const std::string& name, const std::string& phase) {
    std::lock_guard<std::mutex> lock(mu_);
    vms_[name].progress = AgentProgress{phase, "STEP 1/2: FROM x"};
  }
  void Exit(const std::string& name, std::optional<AgentResult> result,
            bool oom = false, const std::string& reason = "") {
    std::lock_guard<std::mutex> lock(mu_);
    VmInfo& vm = vms_[name];
    vm.state = VmState::kExited;
    vm.result = std::move(result);
    vm.oom_killed = oom;
    vm.exit_reason = reason;
  }
  // Adds a VM as if some earlier kilnd had created it.
  void Plant(const std::string& name, const std::string& owner_key,
             const std::string& owner_uid) {
    std::lock_guard<std::mutex> lock(mu_);
    VmInfo info;
    info.name = name;
    info.owner_key = owner_key;
    info.owner_uid = owner_uid;
    vms_[name] = info;
  }
  void FailCreates(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    create_error_ = std::move(s);
  }
  void FailDeletes(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    delete_error_ = std::move(s);
  }
  bool Has(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return vms_.count(name) > 0;
  }
  VmSpec SpecOf(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return specs_[name];
  }
  int creates() {
    std::lock_guard<std::mutex> lock(mu_);
    return creates_;
  }
  int deletes() {
    std::lock_guard<std::mutex> lock(mu_);
    return deletes_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, VmInfo> vms_;
  std::map<std::string, VmSpec> specs_;
  Status create_error_ = OkStatus();
  Status delete_error_ = OkStatus();
  int creates_ = 0;
  int deletes_ = 0;
};

}  // namespace kiln
