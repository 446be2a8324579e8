#include "hack/bench/direct_buildah.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "cmd/kiln-agent/buildah_command.h"
#include "cmd/kiln-agent/containers_config.h"
#include "cmd/kiln-agent/inline_source.h"
#include "cmd/kiln-agent/mount_cleanup.h"
#include "cmd/kiln-agent/subprocess.h"
#include "controller/base/files.h"
#include "hack/bench/build_submit.h"

namespace kiln::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Status Write(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return InternalError("cannot write " + path.string());
  return OkStatus();
}

// Runs `argv`; Internal with the output's tail unless it exits 0.
Status Run(const BuildahCommand& buildah, const std::vector<std::string>& argv,
           const std::string& what) {
  ASSIGN_OR_RETURN(CommandOutput out, RunCommand(argv, buildah.Environment()));
  if (out.exit_code == 0) return OkStatus();
  const std::string& text = out.output;
  return InternalError(what + " exited with " + std::to_string(out.exit_code) +
                       ": " +
                       text.substr(text.size() > 600 ? text.size() - 600 : 0));
}

// The agent's containers config for a fresh storage root (agent.cc
// WriteContainersConfig).
StatusOr<BuildahConfig> WriteConfig(const std::string& registry,
                                    const RegistryCredential& credential,
                                    const fs::path& dir) {
  const fs::path conf = dir / "containers";
  for (const fs::path& d : {conf / "registries.conf.d", dir / "tmp",
                            dir / "storage", dir / "run"}) {
    std::error_code ec;
    fs::create_directories(d, ec);
    if (ec) return InternalError("create " + d.string() + ": " + ec.message());
  }
  BuildahConfig c;
  c.storage_root = (dir / "storage").string();
  c.run_root = (dir / "run").string();
  c.storage_driver =
      ChooseStorageDriver(c.storage_root, ReadFileOrEmpty("/proc/filesystems"));
  c.registries_conf = (conf / "registries.conf").string();
  c.registries_conf_dir = (conf / "registries.conf.d").string();
  c.short_name_alias_conf = (conf / "short-name-aliases.conf").string();
  c.storage_conf = (conf / "storage.conf").string();
  c.tmp_dir = (dir / "tmp").string();
  ASSIGN_OR_RETURN(std::string registries, RegistriesConf(registry));
  RETURN_IF_ERROR(Write(c.registries_conf, registries));
  RETURN_IF_ERROR(
      Write(c.storage_conf,
            StorageConf(c.storage_driver, c.storage_root, c.run_root)));
  if (!credential.empty()) {
    c.auth_file = (conf / "auth.json").string();
    RETURN_IF_ERROR(WriteFileAtomically(
        c.auth_file, RenderContainersAuthFile(registry, credential),
        kPrivateFileMode));
  }
  return c;
}

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

StatusOr<DirectBuildResult> BuildAndPush(const std::string& registry,
                                         const RegistryCredential& credential,
                                         const std::string& image,
                                         const fs::path& dir) {
  DirectBuildResult r;
  const Clock::time_point start = Clock::now();
  ASSIGN_OR_RETURN(BuildahConfig config,
                   WriteConfig(registry, credential, dir));
  r.storage_driver = config.storage_driver;
  const std::string source = (dir / "source").string();
  RETURN_IF_ERROR(
      WriteInlineSource(source, {{"Dockerfile", kBenchDockerfile}}));
  BuildahCommand buildah(std::move(config));
  AgentJob job;
  job.image = image;
  const Clock::time_point build = Clock::now();
  RETURN_IF_ERROR(Run(buildah, buildah.Build(job, source), "buildah build"));
  r.build_s = Since(build);
  const Clock::time_point push = Clock::now();
  RETURN_IF_ERROR(Run(buildah,
                      buildah.Push(image, (dir / "image-digest").string()),
                      "buildah push"));
  r.push_s = Since(push);
  r.total_s = Since(start);
  return r;
}

}  // namespace

StatusOr<DirectBuildResult> RunDirectBuildah(
    const std::string& registry, const RegistryCredential& credential,
    const std::string& image, const std::string& work_dir) {
  const fs::path dir(work_dir);
  StatusOr<DirectBuildResult> r =
      BuildAndPush(registry, credential, image, dir);
  UnmountBelow({(dir / "storage").string(), (dir / "run").string()});
  std::error_code ec;
  fs::remove_all(dir, ec);
  return r;
}

}  // namespace kiln::bench
