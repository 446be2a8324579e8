#include "controller/vm/qmp.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "controller/base/scoped_fd.h"

namespace kiln {
namespace {

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - SteadyClock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// A connected, non-blocking unix stream socket.
StatusOr<int> Connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgumentError("socket path too long (" +
                                std::to_string(path.size()) +
                                " bytes): " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InternalError(std::string("socket: ") + strerror(errno));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return UnavailableError("connect " + path + ": " + strerror(err));
  }
  return fd;
}

Status WriteAll(int fd, const std::string& data,
                SteadyClock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, RemainingMs(deadline)) <= 0) {
      return UnavailableError("write timed out");
    }
    const ssize_t n =
        send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR && errno != EAGAIN) {
      return UnavailableError(std::string("write: ") + strerror(errno));
    }
    if (n > 0) done += static_cast<size_t>(n);
  }
  return OkStatus();
}

// Reads JSON lines until one has "return" or "error" (events are skipped)
// or, when `greeting`, one has "QMP".
StatusOr<nlohmann::json> ReadReply(int fd, std::string& buffer, bool greeting,
                                   SteadyClock::time_point deadline) {
  while (true) {
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      const std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) {
        return InternalError("QMP: not JSON: " + line.substr(0, 200));
      }
      if (greeting && j.contains("QMP")) return j;
      if (j.contains("error")) {
        return InternalError("QMP: " + j["error"].dump());
      }
      if (j.contains("return")) return j["return"];
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, RemainingMs(deadline)) <= 0) {
      return UnavailableError("QMP: no answer in time");
    }
    char chunk[4096];
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n == 0) return UnavailableError("QMP: connection closed");
    if (n < 0 && errno != EINTR && errno != EAGAIN) {
      return UnavailableError(std::string("QMP: read: ") + strerror(errno));
    }
    if (n > 0) buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

StatusOr<nlohmann::json> QmpExecute(const std::string& socket_path,
                                    const std::string& command,
                                    std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  ASSIGN_OR_RETURN(int raw, Connect(socket_path));
  ScopedFd fd(raw);
  std::string buffer;
  RETURN_IF_ERROR(ReadReply(fd.get(), buffer, true, deadline).status());
  RETURN_IF_ERROR(
      WriteAll(fd.get(), "{\"execute\":\"qmp_capabilities\"}\n", deadline));
  RETURN_IF_ERROR(ReadReply(fd.get(), buffer, false, deadline).status());
  const nlohmann::json request = {{"execute", command}};
  RETURN_IF_ERROR(WriteAll(fd.get(), request.dump() + "\n", deadline));
  return ReadReply(fd.get(), buffer, false, deadline);
}

Status SendSocketLine(const std::string& socket_path, const std::string& line,
                      std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(int raw, Connect(socket_path));
  ScopedFd fd(raw);
  return WriteAll(fd.get(), line + "\n", SteadyClock::now() + timeout);
}

}  // namespace kiln
