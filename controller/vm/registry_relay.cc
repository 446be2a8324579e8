#include "controller/vm/registry_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>

#include "controller/vm/fixed_text.h"

namespace kiln {
namespace {

// A draining client (after a 502) is closed once it sent this much more.
constexpr size_t kMaxDrainBytes = 1 << 20;
// Failed target connections logged, at most.
constexpr int kMaxLoggedFailures = 20;
// How often a refused connection to a target with retry_refused_ms is
// tried again.
constexpr int64_t kRetryIntervalMs = 250;

// CLOCK_MONOTONIC in milliseconds (async-signal-safe).
int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// A fixed-size text line (no allocation; text that does not fit is cut).
using RelayText = FixedText<512>;

// strerror is not async-signal-safe: the errors a connect reports, in Go's
// lower-case style (buildah's messages read the same).
const char* ConnectErrorText(int err) {
  switch (err) {
    case ECONNREFUSED:
      return "connection refused";
    case ETIMEDOUT:
      return "connection timed out";
    case EHOSTUNREACH:
      return "no route to host";
    case ENETUNREACH:
      return "network is unreachable";
    case EADDRNOTAVAIL:
      return "cannot assign requested address";
    case EMFILE:
    case ENFILE:
      return "too many open files";
    default:
      return nullptr;
  }
}

// One direction of a connection: bytes read from one socket, not yet
// written to the other.
struct RelayPipe {
  char* buf = nullptr;
  size_t start = 0, end = 0;
  bool eof = false;   // the source sent FIN
  bool shut = false;  // FIN passed on to the destination
  bool empty() const { return start == end; }
};

// kRefusing: the target cannot be reached and the 502 waits in `down`
// until the client has sent its request (an HTTP client that finds a
// response before it wrote its request drops the connection instead of
// reading it); kDraining: the 502 is sent, the rest of the request is read
// and dropped.
enum class RelaySlotState : char {
  kFree,
  kConnecting,
  kRetrying,  // the target refused; connecting again at retry_at_ms
  kRelaying,
  kRefusing,
  kDraining
};

struct RelaySlot {
  RelaySlotState state = RelaySlotState::kFree;
  const RelayTarget* target = nullptr;  // the accepting listener's
  int client = -1, upstream = -1;
  RelayPipe up;    // client -> target
  RelayPipe down;  // target -> client
  size_t drained = 0;
  int64_t retry_until_ms = 0;  // 0: no refusal yet
  int64_t retry_at_ms = 0;
  int client_poll = -1, upstream_poll = -1;  // indexes into the poll set
};

bool WouldBlock(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

class RelayLoop {
 public:
  RelayLoop(std::span<const RelayRoute> routes, const RelayLimits& limits,
            int log_fd)
      : routes_(routes), limits_(limits), log_fd_(log_fd) {}
  ~RelayLoop() {
    for (int i = 0; i < limits_.max_connections && slots_ != nullptr; ++i) {
      Close(slots_[i]);
    }
    if (memory_ != MAP_FAILED) munmap(memory_, memory_size_);
  }

  // 0, or the errno of the failed mmap.
  int Allocate();
  // 0 when `stop_fd` became readable, else a fatal errno.
  int Run(int stop_fd);

 private:
  // Accepts one connection on `route`'s listener.
  void Accept(const RelayRoute& route);
  void StartUpstream(RelaySlot& s);
  // Readies the 502 for a client whose target is unreachable.
  void FailUpstream(RelaySlot& s, int err);
  // Sends the readied 502 once the client has sent something.
  void Refuse(RelaySlot& s);
  void Step(RelaySlot& s, short client_events, short upstream_events);
  // Moves bytes from `from` to `to` through `pipe`; false on an error that
  // ends the connection.
  bool Transfer(int from, int to, RelayPipe& pipe, short from_events);
  void Drain(RelaySlot& s);
  void Close(RelaySlot& s);
  int AddPoll(int fd, short events);

  const std::span<const RelayRoute> routes_;
  const RelayLimits limits_;
  const int log_fd_;
  void* memory_ = MAP_FAILED;
  size_t memory_size_ = 0;
  RelaySlot* slots_ = nullptr;
  pollfd* polls_ = nullptr;
  int poll_count_ = 0;
  int logged_ = 0;
};

int RelayLoop::Allocate() {
  if (routes_.empty() || routes_.size() > kMaxRelayRoutes ||
      limits_.max_connections <= 0 || limits_.buffer_bytes == 0) {
    return EINVAL;
  }
  const size_t n = static_cast<size_t>(limits_.max_connections);
  const size_t slots = n * sizeof(RelaySlot);
  // Two per connection, one per listener, the stop fd.
  const size_t polls = (2 * n + kMaxRelayRoutes + 1) * sizeof(pollfd);
  memory_size_ = slots + polls + 2 * n * limits_.buffer_bytes;
  memory_ = mmap(nullptr, memory_size_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory_ == MAP_FAILED) return errno;
  char* p = static_cast<char*>(memory_);
  slots_ = reinterpret_cast<RelaySlot*>(p);
  polls_ = reinterpret_cast<pollfd*>(p + slots);
  char* buffers = p + slots + polls;
  for (size_t i = 0; i < n; ++i) {
    slots_[i] = RelaySlot{};
    slots_[i].up.buf = buffers + (2 * i) * limits_.buffer_bytes;
    slots_[i].down.buf = buffers + (2 * i + 1) * limits_.buffer_bytes;
  }
  return 0;
}

int RelayLoop::AddPoll(int fd, short events) {
  // With nothing to wait for, the socket is left out (poll ignores a
  // negative fd): otherwise a hung-up socket whose peer we cannot write to
  // yet would wake every poll.
  polls_[poll_count_] = pollfd{events != 0 ? fd : -1, events, 0};
  return poll_count_++;
}

int RelayLoop::Run(int stop_fd) {
  for (const RelayRoute& route : routes_) {
    const int flags = fcntl(route.listen_fd, F_GETFL);
    if (flags < 0 || fcntl(route.listen_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
      return errno;
    }
  }
  while (true) {
    poll_count_ = 0;
    // The listeners take the first routes_.size() entries.
    for (const RelayRoute& route : routes_) AddPoll(route.listen_fd, POLLIN);
    const int stop_poll = stop_fd >= 0 ? AddPoll(stop_fd, POLLIN) : -1;
    for (int i = 0; i < limits_.max_connections; ++i) {
      RelaySlot& s = slots_[i];
      if (s.state == RelaySlotState::kFree) continue;
      short c = 0, u = 0;
      if (s.state == RelaySlotState::kConnecting) u = POLLOUT;
      if (s.state == RelaySlotState::kDraining ||
          s.state == RelaySlotState::kRefusing) {
        c = POLLIN;
      }
      if (s.state == RelaySlotState::kRelaying) {
        if (s.up.empty() && !s.up.eof) c |= POLLIN;
        if (!s.down.empty()) c |= POLLOUT;
        if (s.down.empty() && !s.down.eof) u |= POLLIN;
        if (!s.up.empty()) u |= POLLOUT;
      }
      s.client_poll = AddPoll(s.client, c);
      s.upstream_poll = s.upstream >= 0 ? AddPoll(s.upstream, u) : -1;
    }
    int timeout_ms = -1;
    const int64_t now = NowMs();
    for (int i = 0; i < limits_.max_connections; ++i) {
      const RelaySlot& s = slots_[i];
      if (s.state != RelaySlotState::kRetrying) continue;
      const int64_t wait = std::max<int64_t>(0, s.retry_at_ms - now);
      if (timeout_ms < 0 || wait < timeout_ms) {
        timeout_ms = static_cast<int>(wait);
      }
    }
    if (poll(polls_, static_cast<nfds_t>(poll_count_), timeout_ms) < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (stop_poll >= 0 && polls_[stop_poll].revents != 0) return 0;
    for (int i = 0; i < limits_.max_connections; ++i) {
      RelaySlot& s = slots_[i];
      if (s.state == RelaySlotState::kFree) continue;
      const short u =
          s.upstream_poll >= 0 ? polls_[s.upstream_poll].revents : 0;
      Step(s, polls_[s.client_poll].revents, u);
    }
    for (size_t r = 0; r < routes_.size(); ++r) {
      const short events = polls_[r].revents;
      if (events & (POLLERR | POLLNVAL)) return EBADF;
      if (events & POLLIN) Accept(routes_[r]);
    }
  }
}

void RelayLoop::Accept(const RelayRoute& route) {
  const int fd =
      accept4(route.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;  // gone before we got to it, or out of fds: next time
  // One pool of slots for every listener: the limit counts them all.
  for (int i = 0; i < limits_.max_connections; ++i) {
    RelaySlot& s = slots_[i];
    if (s.state != RelaySlotState::kFree) continue;
    s.client = fd;
    s.target = &route.target;
    s.retry_until_ms = 0;
    StartUpstream(s);
    return;
  }
  close(fd);  // every slot taken: the client sees the connection end at once
}

void RelayLoop::StartUpstream(RelaySlot& s) {
  s.up.start = s.up.end = s.down.start = s.down.end = 0;
  s.up.eof = s.up.shut = s.down.eof = s.down.shut = false;
  s.drained = 0;
  const RelayTarget& target = *s.target;
  s.upstream = socket(target.addr.ss_family,
                      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.upstream < 0) return FailUpstream(s, errno);
  if (connect(s.upstream, reinterpret_cast<const sockaddr*>(&target.addr),
              target.addr_len) == 0) {
    s.state = RelaySlotState::kRelaying;
  } else if (errno == EINPROGRESS) {
    s.state = RelaySlotState::kConnecting;
  } else {
    FailUpstream(s, errno);
  }
}

void RelayLoop::FailUpstream(RelaySlot& s, int err) {
  if (s.upstream >= 0) close(s.upstream);
  s.upstream = -1;
  if (err == ECONNREFUSED && s.target->retry_refused_ms > 0) {
    const int64_t now = NowMs();
    if (s.retry_until_ms == 0)
      s.retry_until_ms = now + s.target->retry_refused_ms;
    if (now < s.retry_until_ms) {
      s.retry_at_ms = now + kRetryIntervalMs;
      s.state = RelaySlotState::kRetrying;
      return;
    }
  }
  RelayText reason;
  const char* text = ConnectErrorText(err);
  if (text != nullptr) {
    reason.Add(text);
  } else {
    reason.Add("error ").AddInt(err);
  }
  RelayText body;
  body.Add("kiln registry relay: cannot reach ")
      .Add(s.target->name != nullptr ? s.target->name : "the target")
      .Add(" ")
      .Add(s.target->description)
      .Add(": ")
      .Add(reason.c_str())
      .Add("\n");
  if (log_fd_ >= 0 && logged_ < kMaxLoggedFailures) {
    ++logged_;
    (void)!write(log_fd_, body.c_str(), body.size());
  }
  RelayText response;
  response
      .Add(
          "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
          "Connection: close\r\nContent-Length: ")
      .AddInt(static_cast<int64_t>(body.size()))
      .Add("\r\n\r\n")
      .Add(body.c_str());
  const size_t n = std::min(response.size(), limits_.buffer_bytes);
  std::memcpy(s.down.buf, response.c_str(), n);
  s.down.start = 0;
  s.down.end = n;
  s.state = RelaySlotState::kRefusing;
}

void RelayLoop::Refuse(RelaySlot& s) {
  Drain(s);  // the start of the request; closes the slot on EOF or error
  if (s.state != RelaySlotState::kRefusing || s.drained == 0) return;
  // A fresh socket's send buffer holds this; if not, the client gets less.
  (void)!send(s.client, s.down.buf, s.down.end, MSG_NOSIGNAL | MSG_DONTWAIT);
  shutdown(s.client, SHUT_WR);
  // Reading what the client sent before closing keeps the kernel from
  // answering with a reset that could discard the response unread.
  s.state = RelaySlotState::kDraining;
}

void RelayLoop::Step(RelaySlot& s, short client_events, short upstream_events) {
  switch (s.state) {
    case RelaySlotState::kFree:
      return;
    case RelaySlotState::kRetrying:
      if (NowMs() >= s.retry_at_ms) StartUpstream(s);
      return;
    case RelaySlotState::kRefusing:
      if (client_events != 0) Refuse(s);
      return;
    case RelaySlotState::kDraining:
      if (client_events != 0) Drain(s);
      return;
    case RelaySlotState::kConnecting: {
      if (upstream_events == 0) return;
      int err = 0;
      socklen_t len = sizeof(err);
      if (getsockopt(s.upstream, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
      }
      if (err != 0) return FailUpstream(s, err);
      s.state = RelaySlotState::kRelaying;
      upstream_events = POLLOUT;
      break;
    }
    case RelaySlotState::kRelaying:
      break;
  }
  if (!Transfer(s.client, s.upstream, s.up, client_events) ||
      !Transfer(s.upstream, s.client, s.down, upstream_events)) {
    return Close(s);
  }
  if (s.up.shut && s.down.shut) Close(s);
}

bool RelayLoop::Transfer(int from, int to, RelayPipe& pipe, short from_events) {
  if (pipe.empty() && !pipe.eof && from_events != 0) {
    const ssize_t n = recv(from, pipe.buf, limits_.buffer_bytes, MSG_DONTWAIT);
    if (n > 0) {
      pipe.start = 0;
      pipe.end = static_cast<size_t>(n);
    } else if (n == 0) {
      pipe.eof = true;
    } else if (!WouldBlock(errno)) {
      return false;
    }
  }
  if (!pipe.empty()) {
    const ssize_t n = send(to, pipe.buf + pipe.start, pipe.end - pipe.start,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      pipe.start += static_cast<size_t>(n);
    } else if (n < 0 && !WouldBlock(errno)) {
      return false;
    }
  }
  if (pipe.empty() && pipe.eof && !pipe.shut) {
    shutdown(to, SHUT_WR);
    pipe.shut = true;
  }
  return true;
}

void RelayLoop::Drain(RelaySlot& s) {
  const ssize_t n =
      recv(s.client, s.up.buf, limits_.buffer_bytes, MSG_DONTWAIT);
  if (n < 0 && WouldBlock(errno)) return;
  if (n > 0) s.drained += static_cast<size_t>(n);
  if (n <= 0 || s.drained > kMaxDrainBytes) Close(s);
}

void RelayLoop::Close(RelaySlot& s) {
  if (s.client >= 0) close(s.client);
  if (s.upstream >= 0) close(s.upstream);
  s.client = s.upstream = -1;
  s.state = RelaySlotState::kFree;
}

}  // namespace

int RunRegistryRelay(std::span<const RelayRoute> routes,
                     const RelayLimits& limits, int stop_fd, int log_fd) {
  RelayLoop loop(routes, limits, log_fd);
  if (const int err = loop.Allocate(); err != 0) return err;
  return loop.Run(stop_fd);
}

}  // namespace kiln
