#include "cmd/kiln-agent/agent.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "cmd/kiln-agent/archive_source.h"
#include "cmd/kiln-agent/containers_config.h"
#include "cmd/kiln-agent/inline_source.h"
#include "cmd/kiln-agent/mount_cleanup.h"
#include "cmd/kiln-agent/path_safety.h"
#include "cmd/kiln-agent/source_digest.h"
#include "cmd/kiln-agent/subprocess.h"
#include "controller/base/files.h"
#include "controller/image_registry/registry_credentials.h"
#include "controller/sources/sha256.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

std::string Trim(std::string s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

Status WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return InternalError("write " + path.string());
  return OkStatus();
}

std::string SignalName(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

}  // namespace

StatusOr<AgentJob> LoadAgentJob(const std::string& work_dir) {
  ASSIGN_OR_RETURN(nlohmann::json json,
                   ReadJsonFile((fs::path(work_dir) / kAgentJobFile).string()));
  ASSIGN_OR_RETURN(AgentJob job, AgentJobFromJson(json));
  Status dockerfile = ValidateInlinePath(job.dockerfile);
  if (!dockerfile.ok()) return dockerfile.WithPrefix("job.dockerfile");
  if (job.registry.empty())
    job.registry = job.image.substr(0, job.image.find('/'));
  Status registry = RegistriesConf(job.registry).status();
  if (!registry.ok()) return registry.WithPrefix("job.registry");
  if (job.storage_root.empty()) job.storage_root = work_dir + "/storage";
  if (job.run_root.empty()) job.run_root = work_dir + "/run";
  return job;
}

AgentResult AgentFailure(std::string reason, std::string message,
                         std::string step) {
  AgentResult result;
  result.succeeded = false;
  result.reason = std::move(reason);
  result.message = std::move(message);
  result.step = std::move(step);
  return result;
}

int AgentExitCode(const AgentResult& result) {
  if (result.succeeded) return kAgentExitSucceeded;
  return result.reason == "Cancelled" ? kAgentExitCancelled : kAgentExitFailed;
}

Agent::Agent(AgentOptions options, AgentJob job, LogFile& log,
             const Cancellation& cancellation)
    : options_(std::move(options)),
      job_(std::move(job)),
      log_(log),
      cancellation_(cancellation),
      source_dir_(options_.work_dir + "/source") {}

AgentResult Agent::Run() {
  Note("build " + job_.build_key + " (uid " + job_.build_uid + ") -> " +
       job_.image);
  AgentResult result;
  std::optional<AgentResult> failure = PrepareSource();
  if (!failure) failure = ComputeDigests(result);
  if (!failure) failure = WriteContainersConfig();
  if (!failure) failure = BuildImage();
  if (!failure) failure = PushImage(result);
  if (failure) {
    result = *std::move(failure);
  } else {
    result.succeeded = true;
    ResolveBaseImageDigest(result);
  }
  result.builder = BuilderString();
  if (result.succeeded) {
    Note("pushed " + result.image_ref + "@" + result.image_digest);
  } else {
    Note(result.reason + ": " + result.message);
  }
  return result;
}

std::optional<AgentResult> Agent::PrepareSource() {
  std::error_code ec;
  fs::remove_all(source_dir_, ec);  // a rerun starts from a clean tree
  const bool archive = !job_.archive_path.empty();
  const SourceLimits limits{
      static_cast<uint64_t>(std::max<int64_t>(0, job_.source_max_bytes)),
      static_cast<uint64_t>(std::max<int64_t>(0, job_.source_max_entries))};
  Status status =
      archive ? ExtractArchiveSource(job_.archive_path, source_dir_, limits)
              : WriteInlineSource(source_dir_, job_.inline_files);
  if (status.code() == StatusCode::kInternal) {
    return AgentFailure("AgentError",
                        "preparing the source: " + status.message());
  }
  if (!status.ok()) {
    return AgentFailure(
        "SourceError",
        (archive ? "source archive: " : "inline source: ") + status.message());
  }
  if (!fs::is_regular_file(fs::path(source_dir_) / job_.dockerfile, ec)) {
    return AgentFailure("SourceError", "Dockerfile \"" + job_.dockerfile +
                                           "\" not found in the source");
  }
  return std::nullopt;
}

std::optional<AgentResult> Agent::ComputeDigests(AgentResult& result) {
  StatusOr<std::string> source = SourceTreeDigest(source_dir_);
  if (!source.ok()) {
    return AgentFailure(source.status().code() == StatusCode::kInvalidArgument
                            ? "SourceError"
                            : "AgentError",
                        "source digest: " + source.status().message());
  }
  result.source_digest = *source;
  StatusOr<std::string> text = ReadWholeFile(
      (fs::path(source_dir_) / job_.dockerfile).string(), kNoSizeLimit);
  StatusOr<std::string> dockerfile =
      text.ok() ? Sha256Digest(*text) : StatusOr<std::string>(text.status());
  if (!dockerfile.ok()) {
    return AgentFailure("AgentError",
                        "Dockerfile digest: " + dockerfile.status().message());
  }
  result.dockerfile_digest = *dockerfile;
  return std::nullopt;
}

std::optional<AgentResult> Agent::WriteContainersConfig() {
  const fs::path dir = fs::path(options_.work_dir) / "containers";
  std::error_code ec;
  for (const fs::path& d :
       {dir, dir / "registries.conf.d", fs::path(options_.work_dir) / "tmp",
        fs::path(job_.storage_root), fs::path(job_.run_root)}) {
    fs::create_directories(d, ec);
    if (ec)
      return AgentFailure("AgentError",
                          "create " + d.string() + ": " + ec.message());
  }
  BuildahConfig config;
  config.buildah = options_.buildah;
  config.storage_root = job_.storage_root;
  config.run_root = job_.run_root;
  config.storage_driver = options_.storage_driver;
  if (config.storage_driver == "auto") {
    config.storage_driver = ChooseStorageDriver(
        job_.storage_root, ReadFileOrEmpty("/proc/filesystems"));
  }
  config.registries_conf = (dir / "registries.conf").string();
  config.registries_conf_dir = (dir / "registries.conf.d").string();
  config.short_name_alias_conf = (dir / "short-name-aliases.conf").string();
  config.storage_conf = (dir / "storage.conf").string();
  config.tmp_dir = (fs::path(options_.work_dir) / "tmp").string();
  StatusOr<std::string> registries = RegistriesConf(job_.registry);
  Status status = registries.ok()
                      ? WriteFile(config.registries_conf, *registries)
                      : registries.status();
  if (status.ok()) {
    status = WriteFile((dir / "registries.conf.d" / "kiln.yaml").string(),
                       RegistriesDConf((dir / "sigstore").string()));
  }
  if (status.ok()) {
    status = WriteFile(config.storage_conf,
                       StorageConf(config.storage_driver, config.storage_root,
                                   config.run_root));
  }
  if (status.ok() && !job_.registry_username.empty()) {
    config.auth_file = (dir / "auth.json").string();
    status = WriteFileAtomically(
        config.auth_file,
        RenderContainersAuthFile(
            job_.registry, {job_.registry_username, job_.registry_password}),
        kPrivateFileMode);
  }
  if (!status.ok()) return AgentFailure("AgentError", status.message());
  Note("storage driver " + config.storage_driver + ", registry " +
       job_.registry + " (plain HTTP" +
       (config.auth_file.empty()
            ? ""
            : ", token auth as " + job_.registry_username) +
       ")");
  buildah_ = std::make_unique<BuildahCommand>(std::move(config));
  return std::nullopt;
}

std::optional<AgentResult> Agent::BuildImage() {
  if (cancellation_.requested()) return Cancel("before the build");
  SetProgress("Building", "");
  std::optional<AgentResult> cancelled;
  StatusOr<int> exit_code = Stream(
      buildah_->Build(job_, source_dir_), "the build",
      [this](const std::string& line) {
        if (build_output_.Add(line)) {
          SetProgress("Building", build_output_.last_step());
        }
      },
      &cancelled);
  if (cancelled) return cancelled;
  if (!exit_code.ok()) {
    return AgentFailure("AgentError", exit_code.status().message());
  }
  if (*exit_code != 0) {
    std::string message = build_output_.last_error();
    if (message.empty()) {
      message = "buildah build exited with code " + std::to_string(*exit_code);
    }
    return AgentFailure("BuildError", message, build_output_.last_step());
  }
  return std::nullopt;
}

std::optional<AgentResult> Agent::PushImage(AgentResult& result) {
  if (cancellation_.requested()) return Cancel("before the push");
  SetProgress("Pushing", "");
  Note("pushing " + job_.image);
  const std::string digest_file = options_.work_dir + "/image-digest";
  std::error_code ec;
  fs::remove(digest_file, ec);
  BuildOutput push_output;
  std::optional<AgentResult> cancelled;
  StatusOr<int> exit_code = Stream(
      buildah_->Push(job_.image, digest_file), "the push",
      [&push_output](const std::string& line) { push_output.Add(line); },
      &cancelled);
  if (cancelled) return cancelled;
  if (!exit_code.ok()) {
    return AgentFailure("AgentError", exit_code.status().message());
  }
  if (*exit_code != 0) {
    std::string message = push_output.last_error();
    if (message.empty()) {
      message = "buildah push exited with code " + std::to_string(*exit_code);
    }
    return AgentFailure("PushError", message);
  }
  const std::string digest = Trim(ReadFileOrEmpty(digest_file));
  if (digest.rfind("sha256:", 0) != 0) {
    return AgentFailure("AgentError",
                        "buildah push wrote no digest to " + digest_file);
  }
  result.image_ref = job_.image;
  result.image_digest = digest;
  return std::nullopt;
}

void Agent::ResolveBaseImageDigest(AgentResult& result) {
  // The base of the final stage, as pulled into local storage; its
  // FromImageDigest is the manifest digest the registry serves. Empty when
  // there is no base (FROM scratch) or it cannot be resolved (e.g. a FROM
  // by image ID of an image that has no registry digest).
  const std::string base = build_output_.FinalBaseImage();
  if (base.empty()) return;
  StatusOr<CommandOutput> out =
      RunCommand(buildah_->InspectImageDigest(base), buildah_->Environment());
  if (out.ok() && out->exit_code == 0 &&
      Trim(out->output).rfind("sha256:", 0) == 0) {
    result.base_image_digest = Trim(out->output);
    return;
  }
  spdlog::warn("base image digest of {} unknown: {}", base,
               out.ok() ? Trim(out->output) : out.status().ToString());
}

std::string Agent::BuilderString() {
  std::string buildah = "unknown";
  StatusOr<CommandOutput> out = RunCommand(
      buildah_ ? buildah_->Version()
               : std::vector<std::string>{options_.buildah, "--version"});
  // "buildah version 1.28.2 (image-spec 1.1.0-rc2, ...)"
  if (out.ok() && out->exit_code == 0) {
    std::istringstream words(out->output);
    std::string word;
    while (words >> word) {
      if (word == "version" && words >> word) {
        buildah = word;
        break;
      }
    }
  }
  return "kiln-agent " + options_.version + " / buildah " + buildah;
}

StatusOr<int> Agent::Stream(
    const std::vector<std::string>& argv, const std::string& during,
    const std::function<void(const std::string&)>& on_line,
    std::optional<AgentResult>* cancelled) {
  ASSIGN_OR_RETURN(std::unique_ptr<Subprocess> child,
                   Subprocess::Start(argv, buildah_->Environment()));
  const Subprocess::PumpEnd end = child->PumpLines(
      [&](const std::string& line) {
        Status s = log_.Append(line);
        if (!s.ok()) spdlog::warn("{}", s.ToString());
        on_line(line);
      },
      cancellation_.fd());
  if (end == Subprocess::PumpEnd::kCancelled) {
    Note("cancelled by " + SignalName(cancellation_.signal_number()) +
         ", stopping buildah (pid " + std::to_string(child->pid()) + ")");
    child->Terminate(options_.grace);
    *cancelled = Cancel(during);
    return -1;
  }
  return child->Wait();
}

AgentResult Agent::Cancel(const std::string& during) {
  if (buildah_) {
    // Working containers of the killed build (the storage root is this
    // VM's alone, see agent.h, so --all removes nothing of another build).
    StatusOr<CommandOutput> rm =
        RunCommand(buildah_->RemoveAllContainers(), buildah_->Environment());
    if (!rm.ok() || rm->exit_code != 0) {
      Note("buildah rm --all failed: " +
           (rm.ok() ? Trim(rm->output) : rm.status().message()));
    }
    for (const std::string& mount :
         UnmountBelow({job_.storage_root, job_.run_root})) {
      Note("unmounted leftover " + mount);
    }
  }
  std::string message = "cancelled by " +
                        SignalName(cancellation_.signal_number()) + " during " +
                        during;
  if (!build_output_.last_step().empty() && during == "the build") {
    message += " at " + build_output_.last_step();
  }
  return AgentFailure("Cancelled", message, build_output_.last_step());
}

void Agent::Note(const std::string& text) {
  Status s = log_.Note(text);
  if (!s.ok()) spdlog::warn("{}", s.ToString());
}

void Agent::SetProgress(const std::string& phase, const std::string& step) {
  Status s = WriteJsonFileAtomically(
      (fs::path(options_.work_dir) / kAgentProgressFile).string(),
      AgentProgressToJson(AgentProgress{phase, step}));
  if (!s.ok()) spdlog::warn("progress: {}", s.ToString());
}

}  // namespace kiln
