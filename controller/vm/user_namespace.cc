#include "controller/vm/user_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "controller/base/files.h"
#include "controller/vm/fixed_text.h"

namespace kiln {
namespace {

using Line = FixedText<64>;

// Writes `text` to `path` in one write(2), as the kernel requires of id
// maps. False (errno set) on error.
bool WriteMapFile(const char* path, const Line& text) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = write(fd, text.c_str(), text.size());
  const int err = errno;
  close(fd);
  if (n == static_cast<ssize_t>(text.size())) return true;
  errno = n < 0 ? err : EIO;
  return false;
}

}  // namespace

Status ValidateIdRange(const IdRange& range) {
  if (range.base == 0) {
    return InvalidArgumentError(
        "builder id base 0: the builders' ids must not include the host's "
        "root");
  }
  if (range.count < 65536) {
    return InvalidArgumentError("builder id count " +
                                std::to_string(range.count) +
                                ": at least 65536 ids are needed");
  }
  if (uint64_t{range.base} + range.count > uint64_t{4294967294u}) {
    return InvalidArgumentError(
        "builder id base " + std::to_string(range.base) + ": the range of " +
        std::to_string(range.count) +
        " ids must end below 4294967294 (the host's overflow ids)");
  }
  return OkStatus();
}

int WriteIdMaps(pid_t pid, const IdRange& range, const char** step) {
  Line map;
  map.Add("0 ").AddInt(range.base).Add(" ").AddInt(range.count).Add("\n");
  for (const char* file : {"/uid_map", "/gid_map"}) {
    FixedText<48> path;
    path.Add("/proc/").AddInt(pid).Add(file);
    *step = file[1] == 'u' ? "write the builder's uid_map"
                           : "write the builder's gid_map";
    if (!WriteMapFile(path.c_str(), map)) return -1;
  }
  return 0;
}

// Raw system calls: glibc's wrappers broadcast id changes to every thread
// it believes exists, and a child made by a raw clone (ProbeUserNamespace)
// inherits that belief from its multi-threaded parent.
int BecomeNamespaceRoot(const char** step) {
  *step = "setgroups in the user namespace";
  if (syscall(SYS_setgroups, 0, nullptr) != 0) return -1;
  *step = "setresgid 0 in the user namespace";
  if (syscall(SYS_setresgid, 0, 0, 0) != 0) return -1;
  *step = "setresuid 0 in the user namespace";
  return static_cast<int>(syscall(SYS_setresuid, 0, 0, 0));
}

Status ProbeUserNamespace(const IdRange& range) {
  RETURN_IF_ERROR(ValidateIdRange(range));
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) {
    return FailedPreconditionError(ErrnoText(errno));
  }
  // Like fork (no new stack), with the child in a new user namespace. The
  // child only waits for the pipe to close, then reports whether it became
  // root of the namespace.
  const long child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr,
                             nullptr, nullptr, nullptr);
  if (child == 0) {
    // Raw system calls only: this child of a multi-threaded process must
    // not enter libc or sanitizer code that may hold another thread's lock.
    syscall(SYS_close, go[1]);
    char byte;
    while (syscall(SYS_read, go[0], &byte, 1) < 0 && errno == EINTR) {
    }
    const char* step = "";
    syscall(SYS_exit_group, BecomeNamespaceRoot(&step) == 0 ? 0 : 1);
  }
  const int clone_err = errno;
  close(go[0]);
  std::string why;
  if (child < 0) {
    why = "clone(CLONE_NEWUSER): " + ErrnoText(clone_err);
  } else {
    const char* step = "";
    if (WriteIdMaps(static_cast<pid_t>(child), range, &step) != 0) {
      why = std::string(step) + ": " + ErrnoText(errno);
    }
  }
  close(go[1]);
  int status = 0;
  while (child > 0 && waitpid(static_cast<pid_t>(child), &status, 0) < 0 &&
         errno == EINTR) {
  }
  if (why.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    why = "the child could not become root of its user namespace";
  }
  if (why.empty()) return OkStatus();
  return FailedPreconditionError(
      "cannot create a user namespace mapping "
      "0-" +
      std::to_string(range.count - 1) + " to host ids " +
      std::to_string(range.base) + "-" +
      std::to_string(uint64_t{range.base} + range.count - 1) + ": " + why);
}

}  // namespace kiln
