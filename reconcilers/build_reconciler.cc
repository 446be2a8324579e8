#include "reconcilers/build_reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "api_types/defaulting.h"
#include "api_types/phase.h"

namespace kiln {
namespace {

using std::chrono::milliseconds;

std::string KeyOf(const Build& b) {
  return b.metadata.namespace_ + "/" + b.metadata.name;
}

// Ready is True only for a Ready build; otherwise False with the phase (or
// the failure reason) as its reason, so `kubectl wait --for=condition=Ready`
// works.
Condition ReadyCondition(const BuildStatus& s) {
  Condition c;
  c.type = "Ready";
  if (s.phase == BuildPhase::kReady) {
    c.status = ConditionStatus::kTrue;
    c.reason = "Ready";
    c.message = s.message;
  } else {
    c.status = ConditionStatus::kFalse;
    c.reason = !s.reason.empty() && IsTerminal(s.phase)
                   ? s.reason
                   : std::string(PhaseName(s.phase));
    if (c.reason.empty()) c.reason = "Pending";
    c.message = s.message;
  }
  return c;
}

// The failure of an agent result as one line a person can act on.
std::string FailureMessage(const AgentResult& r) {
  if (r.step.empty()) return r.message;
  if (r.message.empty()) return r.step;
  return r.step + ": " + r.message;
}

}  // namespace

BuildReconciler::BuildReconciler(BuildClient& builds, VmDriver& driver,
                                 Clock& clock, BuildReconcilerOptions options,
                                 EventRecorder* events)
    : builds_(builds),
      driver_(driver),
      clock_(clock),
      options_(std::move(options)),
      events_(events) {}

void BuildReconciler::Emit(const Build& build, std::string_view type,
                           std::string_view reason, std::string message) {
  if (events_ != nullptr) {
    events_->Record(build, type, reason, std::move(message));
  }
}

StatusOr<ReconcileResult> BuildReconciler::Reconcile(const ObjectKey& key) {
  StatusOr<Build> got = builds_.Get(key.namespace_, key.name);
  if (!got.ok()) {
    if (got.status().code() != StatusCode::kNotFound) return got.status();
    RETURN_IF_ERROR(DeleteVmsOf(key));
    return ReconcileResult{};
  }
  Build build = *std::move(got);
  if (IsTerminal(build.status.phase)) {
    DeleteVm(build);
    return ReconcileResult{};
  }
  if (build.spec.cancel) {
    // Cancelled is written FIRST (releasing the allocation); only then is
    // the VM deleted. A crash in between leaves a terminal Build whose VM
    // the next reconcile (or GC) removes.
    Emit(build, kEventNormal, "CancelRequested",
         "spec.cancel is set; stopping the build");
    ASSIGN_OR_RETURN(Build done,
                     Finish(std::move(build), BuildPhase::kCancelled,
                            "Cancelled", "cancelled by request (spec.cancel)"));
    DeleteVm(done);
    return ReconcileResult{};
  }
  if (UntilDeadline(build) <= milliseconds(0)) {
    const std::string message =
        "the build did not finish within timeoutSeconds=" +
        std::to_string(build.spec.timeout_seconds.value_or(0));
    ASSIGN_OR_RETURN(Build done, Finish(std::move(build), BuildPhase::kFailed,
                                        "DeadlineExceeded", message));
    DeleteVm(done);
    return ReconcileResult{};
  }
  return ReconcileActive(std::move(build));
}

StatusOr<ReconcileResult> BuildReconciler::ReconcileActive(Build build) {
  const std::string vm_name = VmNameForBuild(build.metadata.uid);
  const auto next_look = ReconcileResult{std::max(
      milliseconds(1), std::min(options_.poll_interval, UntilDeadline(build)))};
  StatusOr<VmInfo> vm = driver_.Inspect(vm_name);
  if (!vm.ok() && vm.status().code() != StatusCode::kNotFound) {
    return vm.status();
  }
  // Started (or, after a crash, restarted): record where it runs.
  auto mark_started = [&](Build& b) {
    if (b.status.phase == BuildPhase::kUnset ||
        b.status.phase == BuildPhase::kPending) {
      b.status.phase = BuildPhase::kBuilding;
    }
    if (!b.status.started_at) {
      b.status.started_at =
          std::chrono::floor<std::chrono::seconds>(clock_.SystemNow());
    }
    b.status.node_name = options_.node_name;
    b.status.vm = VmRef{vm_name, driver_.name()};
    b.status.reason.clear();
    b.status.message.clear();
  };

  if (!vm.ok()) {  // no VM of the derived name: start one
    VmSpec spec;
    spec.owner_key = KeyOf(build);
    spec.owner_uid = build.metadata.uid;
    spec.cpus = build.spec.resources.cpus.value_or(kDefaultBuildCpus);
    spec.memory_mib =
        build.spec.resources.memory_mib.value_or(kDefaultBuildMemoryMiB);
    spec.job = JobFor(build);
    if (Status s = driver_.Create(vm_name, spec); !s.ok()) {
      spdlog::warn("build {}: cannot create VM {}: {}", KeyOf(build), vm_name,
                   s.ToString());
      return s;  // retried with backoff until the deadline
    }
    const BuildPhase was = build.status.phase;
    mark_started(build);
    ASSIGN_OR_RETURN(Build written, Write(std::move(build)));
    spdlog::info("build {}: {} -> {} (VM {} created, driver {})",
                 KeyOf(written), PhaseName(was),
                 PhaseName(written.status.phase), vm_name, driver_.name());
    Emit(written, kEventNormal, "VMCreated",
         "created VM " + vm_name + " (driver " + driver_.name() + ") on " +
             options_.node_name);
    if (was != written.status.phase) {
      Emit(written, kEventNormal, "Building", "building in VM " + vm_name);
    }
    return next_look;
  }

  if (vm->state == VmState::kRunning) {
    if (options_.on_active) options_.on_active(build);
    Build desired = build;
    mark_started(desired);
    if (vm->progress && vm->progress->phase == "Pushing") {
      desired.status.phase = BuildPhase::kPushing;
    }
    if (desired.status.phase == BuildPhase::kBuilding &&
        build.status.phase == BuildPhase::kPushing) {
      desired.status.phase = BuildPhase::kPushing;  // never backwards
    }
    if (!(desired.status == build.status)) {
      ASSIGN_OR_RETURN(Build written, Write(std::move(desired)));
      spdlog::info("build {}: {} -> {}", KeyOf(written),
                   PhaseName(build.status.phase),
                   PhaseName(written.status.phase));
      if (written.status.phase != build.status.phase) {
        Emit(
            written, kEventNormal, PhaseName(written.status.phase),
            std::string(PhaseName(written.status.phase)) + " in VM " + vm_name);
      }
    }
    return next_look;
  }

  // The VM exited: record its outcome, then remove it.
  if (build.status.phase == BuildPhase::kUnset ||
      build.status.phase == BuildPhase::kPending) {
    // Pending -> Ready is not a legal step; pass through Building.
    mark_started(build);
    ASSIGN_OR_RETURN(build, Write(std::move(build)));
  }
  StatusOr<Build> done = InternalError("unreachable");
  if (vm->result && vm->result->succeeded) {
    const AgentResult& r = *vm->result;
    build.status.image = ImageRef{r.image_ref, r.image_digest};
    build.status.provenance = Provenance{r.source_digest, r.base_image_digest,
                                         r.dockerfile_digest, r.builder};
    done = Finish(std::move(build), BuildPhase::kReady, "Succeeded",
                  "pushed " + r.image_ref + "@" + r.image_digest);
  } else if (vm->result) {
    const AgentResult& r = *vm->result;
    done =
        Finish(std::move(build), BuildPhase::kFailed,
               r.reason.empty() ? "BuildError" : r.reason, FailureMessage(r));
  } else if (vm->oom_killed) {
    done =
        Finish(std::move(build), BuildPhase::kFailed, "OOMKilled",
               "the builder ran out of memory (spec.resources.memoryMiB=" +
                   std::to_string(build.spec.resources.memory_mib.value_or(0)) +
                   "): " + vm->exit_reason);
  } else {
    done = Finish(std::move(build), BuildPhase::kFailed, "VMLost",
                  "the builder VM " + vm_name + " ended without a result (" +
                      (vm->exit_reason.empty() ? std::string("unknown reason")
                                               : vm->exit_reason) +
                      ")");
  }
  if (!done.ok()) return done.status();
  DeleteVm(*done);
  return ReconcileResult{};
}

StatusOr<Build> BuildReconciler::Finish(Build build, BuildPhase phase,
                                        const std::string& reason,
                                        const std::string& message) {
  const BuildPhase was = build.status.phase;
  const auto now = clock_.SystemNow();
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  build.status.phase = phase;
  build.status.reason = reason;
  build.status.message = message;
  build.status.completed_at = now_s;
  if (build.status.started_at) {
    build.status.duration_ms =
        std::chrono::duration_cast<milliseconds>(now - *build.status.started_at)
            .count();
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(JobFor(build).log_path, ec);
  if (!ec) build.status.log_bytes = static_cast<int64_t>(size);
  ASSIGN_OR_RETURN(Build written, Write(std::move(build)));
  spdlog::info("build {}: {} -> {} ({}: {})", KeyOf(written), PhaseName(was),
               PhaseName(phase), reason, message);
  if (options_.metrics != nullptr) {
    const std::string_view result =
        phase == BuildPhase::kReady       ? kBuildResultReady
        : phase == BuildPhase::kCancelled ? kBuildResultCancelled
        : reason == "DeadlineExceeded"    ? kBuildResultTimeout
                                          : kBuildResultFailed;
    options_.metrics->ObserveBuildFinished(
        result, written.status.duration_ms.value_or(0) / 1000.0);
  }
  if (options_.on_terminal) options_.on_terminal(written);
  if (phase == BuildPhase::kReady) {
    Emit(written, kEventNormal, "Ready", message);
  } else if (phase == BuildPhase::kCancelled) {
    Emit(written, kEventNormal, "Cancelled", message);
  } else if (reason == "DeadlineExceeded" || reason == "VMLost") {
    Emit(written, kEventWarning, reason, message);
  } else {
    Emit(written, kEventWarning, "Failed", reason + ": " + message);
  }
  return written;
}

StatusOr<Build> BuildReconciler::Write(Build build) {
  build.status.observed_generation = build.metadata.generation;
  SetCondition(build.status.conditions, ReadyCondition(build.status),
               std::chrono::floor<std::chrono::seconds>(clock_.SystemNow()));
  return builds_.UpdateStatus(build);
}

void BuildReconciler::DeleteVm(const Build& build) {
  const std::string vm_name = VmNameForBuild(build.metadata.uid);
  if (Status s = driver_.Delete(vm_name, options_.vm_delete_grace); !s.ok()) {
    spdlog::warn("build {}: deleting VM {} failed (GC retries): {}",
                 KeyOf(build), vm_name, s.ToString());
  }
}

Status BuildReconciler::DeleteVmsOf(const ObjectKey& key) {
  const std::string owner = key.namespace_ + "/" + key.name;
  ASSIGN_OR_RETURN(std::vector<VmInfo> vms, driver_.List());
  for (const VmInfo& vm : vms) {
    if (vm.owner_key != owner) continue;
    spdlog::info("build {}: deleted; removing its VM {}", owner, vm.name);
    RETURN_IF_ERROR(driver_.Delete(vm.name, options_.vm_delete_grace));
  }
  return OkStatus();
}

milliseconds BuildReconciler::UntilDeadline(const Build& build) const {
  if (!build.spec.timeout_seconds || !build.metadata.creation_timestamp) {
    return milliseconds::max();
  }
  const auto deadline = *build.metadata.creation_timestamp +
                        std::chrono::seconds(*build.spec.timeout_seconds);
  return std::chrono::duration_cast<milliseconds>(deadline -
                                                  clock_.SystemNow());
}

AgentJob BuildReconciler::JobFor(const Build& build) const {
  AgentJob job;
  job.build_key = KeyOf(build);
  job.build_uid = build.metadata.uid;
  if (build.spec.source.inline_source) {
    job.inline_files = build.spec.source.inline_source->files;
  } else if (build.spec.source.archive) {
    std::string digest = build.spec.source.archive->digest;
    const std::string prefix = "sha256:";
    if (digest.rfind(prefix, 0) == 0) digest = digest.substr(prefix.size());
    job.archive_path = options_.sources_dir + "/" + digest;
  }
  job.dockerfile =
      build.spec.dockerfile.empty() ? "Dockerfile" : build.spec.dockerfile;
  job.build_args = build.spec.build_args;
  job.image = build.spec.output ? build.spec.output->image : "";
  job.registry = options_.registry;
  if (options_.registry_credentials != nullptr) {
    const RegistryCredential credential =
        options_.registry_credentials->ForBuild(
            build.metadata.namespace_, build.metadata.name, build.metadata.uid);
    job.registry_username = credential.username;
    job.registry_password = credential.password;
  }
  job.log_path = options_.logs_dir + "/" + build.metadata.uid + ".log";
  job.log_max_bytes = options_.log_max_bytes;
  job.source_max_bytes = options_.source_max_bytes;
  job.source_max_entries = options_.source_max_entries;
  job.cpus = build.spec.resources.cpus.value_or(kDefaultBuildCpus);
  job.memory_mib =
      build.spec.resources.memory_mib.value_or(kDefaultBuildMemoryMiB);
  return job;
}

}  // namespace kiln
