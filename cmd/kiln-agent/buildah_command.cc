#include "cmd/kiln-agent/buildah_command.h"

namespace kiln {

std::map<std::string, std::string> BuildahCommand::Environment() const {
  std::map<std::string, std::string> env = {
      {"CONTAINERS_REGISTRIES_CONF", config_.registries_conf},
      {"CONTAINERS_STORAGE_CONF", config_.storage_conf},
      {"BUILDAH_ISOLATION", "chroot"},
      {"LC_ALL", "C"},
  };
  if (!config_.tmp_dir.empty()) env["TMPDIR"] = config_.tmp_dir;
  return env;
}

std::vector<std::string> BuildahCommand::WithGlobalFlags(
    std::vector<std::string> args) const {
  std::vector<std::string> argv = {config_.buildah,
                                   "--root",
                                   config_.storage_root,
                                   "--runroot",
                                   config_.run_root,
                                   "--storage-driver",
                                   config_.storage_driver,
                                   "--registries-conf",
                                   config_.registries_conf,
                                   "--registries-conf-dir",
                                   config_.registries_conf_dir,
                                   "--short-name-alias-conf",
                                   config_.short_name_alias_conf};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> BuildahCommand::Build(
    const AgentJob& job, const std::string& source_dir) const {
  std::vector<std::string> args = {"build",
                                   "--isolation",
                                   "chroot",
                                   "--layers",
                                   "--force-rm",
                                   "-f",
                                   source_dir + "/" + job.dockerfile};
  if (!config_.auth_file.empty()) {
    args.insert(args.end(), {"--authfile", config_.auth_file});
  }
  for (const auto& [key, value] : job.build_args) {
    args.push_back("--build-arg");
    args.push_back(key + "=" + value);
  }
  args.insert(args.end(), {"-t", job.image, source_dir});
  return WithGlobalFlags(std::move(args));
}

std::vector<std::string> BuildahCommand::Push(
    const std::string& image, const std::string& digest_file) const {
  std::vector<std::string> args = {"push", "--tls-verify=false", "--digestfile",
                                   digest_file};
  if (!config_.auth_file.empty()) {
    args.insert(args.end(), {"--authfile", config_.auth_file});
  }
  args.insert(args.end(), {image, "docker://" + image});
  return WithGlobalFlags(std::move(args));
}

std::vector<std::string> BuildahCommand::RemoveAllContainers() const {
  return WithGlobalFlags({"rm", "--all"});
}

std::vector<std::string> BuildahCommand::InspectImageDigest(
    const std::string& image) const {
  return WithGlobalFlags({"inspect", "--type", "image", "--format",
                          "{{.FromImageDigest}}", image});
}

std::vector<std::string> BuildahCommand::Version() const {
  return {config_.buildah, "--version"};
}

}  // namespace kiln
