// Command lines for the buildah invocations of one build. Every command
// carries the same global flags (private storage and registries config),
// so nothing falls back to the host's /var/lib/containers or
// /etc/containers/registries.conf. Value type; thread-compatible.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "controller/vm/agent_contract.h"

namespace kiln {

struct BuildahConfig {
  std::string buildah = "buildah";    // the binary (PATH lookup)
  std::string storage_root;           // --root
  std::string run_root;               // --runroot
  std::string storage_driver;         // "overlay" | "vfs"
  std::string registries_conf;        // file: see containers_config.h
  std::string registries_conf_dir;    // holds only the registries.d yaml
  std::string short_name_alias_conf;  // private alias cache file
  std::string storage_conf;           // file: see containers_config.h
  std::string tmp_dir;                // TMPDIR for buildah's big temp files
  // containers-auth.json with the build's registry credential (0600);
  // "" = none. Passed as --authfile to build (pulls) and push.
  std::string auth_file;
};

class BuildahCommand {
 public:
  explicit BuildahCommand(BuildahConfig config) : config_(std::move(config)) {}

  // Environment overrides for every invocation.
  std::map<std::string, std::string> Environment() const;

  // buildah build --isolation chroot --layers --force-rm -f DOCKERFILE
  //   [--build-arg K=V]... -t IMAGE SOURCE_DIR
  // chroot isolation because the default OCI isolation fails on hosts with
  // hybrid cgroups (measured); --force-rm is only accepted with --layers.
  std::vector<std::string> Build(const AgentJob& job,
                                 const std::string& source_dir) const;
  // buildah push --tls-verify=false --digestfile FILE IMAGE docker://IMAGE
  std::vector<std::string> Push(const std::string& image,
                                const std::string& digest_file) const;
  // buildah rm --all: every working container in this storage root.
  std::vector<std::string> RemoveAllContainers() const;
  // buildah inspect --type image --format '{{.FromImageDigest}}' IMAGE:
  // the manifest digest of a local image (as the registry reports it).
  std::vector<std::string> InspectImageDigest(const std::string& image) const;
  std::vector<std::string> Version() const;

  const BuildahConfig& config() const { return config_; }

 private:
  std::vector<std::string> WithGlobalFlags(std::vector<std::string> args) const;

  BuildahConfig config_;
};

}  // namespace kiln
