#include "controller/vm/agent_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "controller/base/files.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

constexpr char kLogMountPoint[] = "build.log";
constexpr char kSourceMountPoint[] = "source.tar";

// Creates (or opens) regular file `path` and, with `owner`, gives it to the
// namespace's root. Never follows a symbolic link at `path`.
Status MakeFile(const fs::path& path, const std::optional<IdRange>& owner) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
           0644);
  if (fd < 0) return ErrnoError("cannot create", path.string(), errno);
  Status status;
  if (owner && fchown(fd, owner->base, owner->base) != 0) {
    status = ErrnoError("cannot give the builder", path.string(), errno);
  }
  close(fd);
  return status;
}

// Gives `root` and everything below it to host id `id` (symbolic links
// themselves, never their targets).
Status GiveTree(const fs::path& root, uint32_t id) {
  if (lchown(root.c_str(), id, id) != 0) {
    return ErrnoError("cannot give the builder", root.string(), errno);
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (lchown(it->path().c_str(), id, id) != 0) {
      return ErrnoError("cannot give the builder", it->path().string(), errno);
    }
  }
  if (ec)
    return InternalError("cannot list " + root.string() + ": " + ec.message());
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<BindPlan>> PrepareAgentDir(
    const std::string& agent_dir, const AgentJob& job,
    const std::optional<IdRange>& owner) {
  const fs::path dir(agent_dir);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec)
    return InternalError("cannot remove " + agent_dir + ": " + ec.message());
  for (const fs::path& sub :
       {dir, dir / "home", dir / "tmp", dir / "storage"}) {
    RETURN_IF_ERROR(EnsurePrivateDirectory(sub.string()));
  }
  std::vector<BindPlan> binds;
  AgentJob view = job;
  view.log_path = (dir / kLogMountPoint).string();
  fs::create_directories(fs::path(job.log_path).parent_path(), ec);
  RETURN_IF_ERROR(MakeFile(job.log_path, owner));
  RETURN_IF_ERROR(MakeFile(view.log_path, std::nullopt));
  binds.push_back({job.log_path, view.log_path, /*read_only=*/false});
  if (!job.archive_path.empty()) {
    view.archive_path = (dir / kSourceMountPoint).string();
    RETURN_IF_ERROR(MakeFile(view.archive_path, std::nullopt));
    binds.push_back({job.archive_path, view.archive_path, /*read_only=*/true});
  }
  RETURN_IF_ERROR(WriteJsonFileAtomically((dir / kAgentJobFile).string(),
                                          AgentJobToJson(view)));
  if (owner) RETURN_IF_ERROR(GiveTree(dir, owner->base));
  return binds;
}

}  // namespace kiln
