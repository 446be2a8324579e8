#include "hack/bench/fsync_probe.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace kiln::bench {
namespace {

constexpr size_t kBlock = 4096;

Status ProbeErrno(const std::string& what) {
  return UnavailableError(what + ": " + std::strerror(errno));
}

}  // namespace

StatusOr<FsyncProbeResult> ProbeFsync(const std::string& dir,
                                      std::chrono::milliseconds duration) {
  const std::string path = dir + "/fsync_probe.dat";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ProbeErrno("open " + path);
  std::vector<char> block(kBlock, 'k');
  LatencySamples samples;
  Status status = OkStatus();
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + duration;
  auto now = start;
  while (now < deadline) {
    if (::write(fd, block.data(), block.size()) !=
        static_cast<ssize_t>(block.size())) {
      status = ProbeErrno("write " + path);
      break;
    }
    if (::fdatasync(fd) != 0) {
      status = ProbeErrno("fdatasync " + path);
      break;
    }
    auto after = std::chrono::steady_clock::now();
    samples.Add(after - now);
    now = after;
  }
  ::close(fd);
  ::unlink(path.c_str());
  RETURN_IF_ERROR(status);
  FsyncProbeResult r;
  r.syncs = static_cast<int64_t>(samples.size());
  r.seconds = std::chrono::duration<double>(now - start).count();
  r.syncs_per_s = r.syncs / r.seconds;
  r.latency = samples.Summarize();
  return r;
}

}  // namespace kiln::bench
