#include "controller/image_registry/base_image.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "controller/base/files.h"
#include "controller/base/subprocess.h"
#include "controller/image_registry/buildah_storage.h"
#include "controller/image_registry/busybox_rootfs.h"
#include "controller/image_registry/registry_client.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

// Runs buildah with the storage flags, returning its output.
class Buildah {
 public:
  Buildah(std::vector<std::string> storage_args,
          std::chrono::milliseconds timeout)
      : storage_args_(std::move(storage_args)), timeout_(timeout) {}

  StatusOr<std::string> Run(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"buildah"};
    argv.insert(argv.end(), storage_args_.begin(), storage_args_.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommandOk(argv, timeout_);
  }

 private:
  const std::vector<std::string> storage_args_;
  const std::chrono::milliseconds timeout_;
};

// Builds the image in a working container `name` and pushes it, writing
// its digest to `digest_file`.
Status BuildAndPush(const Buildah& buildah, const std::string& name,
                    const std::string& rootfs, const std::string& dest,
                    const std::string& auth_file,
                    const std::string& digest_file) {
  const std::string local =
      std::string(kBaseImageRepository) + ":" + kBaseImageTag;
  RETURN_IF_ERROR(buildah.Run({"from", "--name", name, "scratch"}));
  RETURN_IF_ERROR(buildah.Run({"copy", name, rootfs + "/", "/"}));
  RETURN_IF_ERROR(buildah.Run({"config", "--cmd", "/bin/sh", "--env",
                               "PATH=/usr/sbin:/usr/bin:/sbin:/bin", name}));
  RETURN_IF_ERROR(buildah.Run({"commit", "--quiet", name, local}));
  std::vector<std::string> push = {"push", "--quiet", "--tls-verify=false",
                                   "--digestfile", digest_file};
  if (!auth_file.empty()) push.insert(push.end(), {"--authfile", auth_file});
  push.insert(push.end(), {local, "docker://" + dest});
  return buildah.Run(push).status();
}

}  // namespace

StatusOr<SeedResult> SeedBaseImage(const std::string& registry,
                                   const std::string& work_dir,
                                   const SeedOptions& options) {
  const std::string dest =
      registry + "/" + kBaseImageRepository + ":" + kBaseImageTag;
  ASSIGN_OR_RETURN(
      std::unique_ptr<RegistryClient> client,
      NewRegistryClient(registry, std::chrono::seconds(2), options.credential));
  StatusOr<std::string> digest =
      client->ManifestDigest(kBaseImageRepository, kBaseImageTag);
  if (!digest.ok() && digest.status().code() != StatusCode::kNotFound) {
    return digest.status().WithPrefix("seeding " + dest);
  }
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  const std::string digest_file =
      (fs::path(work_dir) / "base-image.digest").string();
  StatusOr<std::string> pinned = ReadWholeFile(digest_file, 1024);
  if (digest.ok()) {
    if (!pinned.ok()) {
      // First start with this work dir: pin what is there.
      RETURN_IF_ERROR(
          WriteFileAtomically(digest_file, *digest, kPublicFileMode));
      return SeedResult{*digest, ""};
    }
    if (*pinned == *digest) return SeedResult{*digest, ""};
  }

  ASSIGN_OR_RETURN(std::vector<std::string> storage,
                   BuildahStorageArgs(work_dir));
  const std::string rootfs = (fs::path(work_dir) / "busybox-rootfs").string();
  RETURN_IF_ERROR(WriteBusyboxRootfs(options.busybox, rootfs));
  std::string auth_file;
  if (!options.credential.empty()) {
    auth_file = (fs::path(work_dir) / "auth.json").string();
    RETURN_IF_ERROR(WriteFileAtomically(
        auth_file, RenderContainersAuthFile(registry, options.credential),
        kPrivateFileMode));
  }

  const Buildah buildah(std::move(storage), options.command_timeout);
  const std::string name = "kiln-seed-" + std::to_string(getpid());
  // A seed that crashed half-way may have left one behind.
  (void)buildah.Run({"rm", name});
  Status built =
      BuildAndPush(buildah, name, rootfs, dest, auth_file, digest_file);
  (void)buildah.Run({"rm", name});
  fs::remove_all(rootfs, ec);
  RETURN_IF_ERROR(built.WithPrefix("seeding " + dest));
  ASSIGN_OR_RETURN(std::string pushed, ReadWholeFile(digest_file, 1024));
  return SeedResult{pushed, digest.ok() ? *digest : ""};
}

}  // namespace kiln
