#include "controller/vm/job_disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "controller/base/subprocess.h"

namespace kiln {

StatusOr<JobDiskLayout> GuestJobLayout(const AgentJob& host_job) {
  JobDiskLayout layout;
  layout.guest_job = host_job;
  AgentJob& job = layout.guest_job;
  job.log_path = kGuestLogPath;
  job.storage_root = kGuestStorageRoot;
  job.run_root = kGuestRunRoot;
  if (!host_job.archive_path.empty()) {
    const std::string file =
        std::filesystem::path(host_job.archive_path).filename().string();
    if (file.empty() || file == "." || file == ".." || file == kAgentJobFile) {
      return InvalidArgumentError("source archive " + host_job.archive_path +
                                  ": unusable file name");
    }
    job.archive_path = std::string(kGuestJobDir) + "/" + file;
    layout.copies.emplace_back(host_job.archive_path, file);
  }
  return layout;
}

std::vector<std::string> MkfsCommand(const std::string& image,
                                     const std::string& label,
                                     const std::string& contents_dir) {
  std::vector<std::string> argv = {"mkfs.ext4",    "-q",  "-F",
                                   "-L",           label, "-O",
                                   "^has_journal", "-E",  "lazy_itable_init=1"};
  if (!contents_dir.empty()) {
    argv.push_back("-d");
    argv.push_back(contents_dir);
  }
  argv.push_back(image);
  return argv;
}

Status MakeExt4Disk(const std::string& image, int64_t size_bytes,
                    const std::string& label, const std::string& contents_dir,
                    std::chrono::milliseconds timeout) {
  const int fd =
      open(image.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return InternalError("create " + image + ": " + strerror(errno));
  }
  const int rc = ftruncate(fd, size_bytes);
  const int err = errno;
  close(fd);
  if (rc != 0) return InternalError("size " + image + ": " + strerror(err));
  return RunCommandOk(MkfsCommand(image, label, contents_dir), timeout)
      .status();
}

}  // namespace kiln
