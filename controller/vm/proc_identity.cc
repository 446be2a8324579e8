#include "controller/vm/proc_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kiln {
namespace {

// Parses a decimal number at text[*i..len), advancing *i. Async-signal-safe.
bool ParseNumber(const char* text, size_t len, size_t* i, int64_t* out) {
  bool negative = false;
  if (*i < len && text[*i] == '-') {
    negative = true;
    ++*i;
  }
  size_t start = *i;
  uint64_t value = 0;
  while (*i < len && text[*i] >= '0' && text[*i] <= '9') {
    value = value * 10 + static_cast<uint64_t>(text[*i] - '0');
    ++*i;
  }
  if (*i == start) return false;
  *out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
  return true;
}

}  // namespace

bool ParseProcStat(const char* text, size_t len, ProcStat* out) {
  // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt
  //  majflt cmajflt utime stime cutime cstime priority nice num_threads
  //  itrealvalue starttime ..."
  size_t close = len;
  for (size_t i = 0; i < len; ++i) {
    if (text[i] == ')') close = i;
  }
  if (close == len || close + 2 >= len) return false;
  size_t i = close + 2;  // field 3 (state)
  out->state = text[i];
  int field = 3;
  while (i < len && field < 22) {
    while (i < len && text[i] != ' ') ++i;  // skip the current field
    if (i >= len) return false;
    ++i;
    ++field;
    if (field == 5 || field == 22) {
      int64_t value = 0;
      size_t j = i;
      if (!ParseNumber(text, len, &j, &value)) return false;
      if (field == 5) out->pgid = static_cast<pid_t>(value);
      if (field == 22) out->start_time = static_cast<uint64_t>(value);
    }
  }
  return field == 22;
}

StatusOr<ProcStat> ReadProcStat(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ESRCH) {
      return NotFoundError("no process " + std::to_string(pid));
    }
    return InternalError("cannot open " + path + ": " + strerror(errno));
  }
  char buf[1024];
  ssize_t n;
  do {
    n = read(fd, buf, sizeof(buf));
  } while (n < 0 && errno == EINTR);
  const int read_errno = errno;
  close(fd);
  if (n < 0) {
    // A process that exits between open and read reads as ESRCH.
    if (read_errno == ESRCH) {
      return NotFoundError("no process " + std::to_string(pid));
    }
    return InternalError("cannot read " + path + ": " + strerror(read_errno));
  }
  ProcStat stat;
  if (!ParseProcStat(buf, static_cast<size_t>(n), &stat)) {
    return InternalError("cannot parse " + path);
  }
  return stat;
}

bool IsSameProcess(const ProcessIdentity& id) {
  if (id.pid <= 0) return false;
  StatusOr<ProcStat> stat = ReadProcStat(id.pid);
  return stat.ok() && stat->start_time == id.start_time;
}

bool IsProcessAlive(const ProcessIdentity& id) {
  if (id.pid <= 0) return false;
  StatusOr<ProcStat> stat = ReadProcStat(id.pid);
  return stat.ok() && stat->start_time == id.start_time && stat->state != 'Z' &&
         stat->state != 'X' && stat->state != 'x';
}

}  // namespace kiln
