#include "cmd/kiln-agent/cancellation.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kiln {
namespace {

std::atomic<Cancellation*> g_cancellation{nullptr};

void OnSignal(int signal_number) {
  Cancellation* c = g_cancellation.load();
  if (c != nullptr) c->Request(signal_number);
}

}  // namespace

StatusOr<std::unique_ptr<Cancellation>> Cancellation::Create() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return InternalError(std::string("pipe: ") + std::strerror(errno));
  }
  return std::unique_ptr<Cancellation>(new Cancellation(fds[0], fds[1]));
}

Cancellation::~Cancellation() {
  close(read_fd_);
  close(write_fd_);
}

void Cancellation::Request(int signal_number) {
  int expected = -1;
  if (signal_.compare_exchange_strong(expected, signal_number)) {
    const int saved_errno = errno;
    [[maybe_unused]] ssize_t n = write(write_fd_, "x", 1);
    errno = saved_errno;
  }
}

Status Cancellation::InstallSignalHandlers(Cancellation* cancellation) {
  g_cancellation.store(cancellation);
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT}) {
    if (sigaction(sig, &action, nullptr) != 0) {
      return InternalError(std::string("sigaction: ") + std::strerror(errno));
    }
  }
  return OkStatus();
}

}  // namespace kiln
