// RunRegistryRelay: the host-side half of the process driver's network
// sandbox (docs/security.md "process driver sandbox"). The builder's
// network namespace has only `lo`; listening sockets created inside it on
// the registry's address (one on the registry's port and, when the
// registry has a token service, one on that service's port) are handed to
// this loop, which runs in a process in the host's network namespace and
// forwards every connection a listener accepts to that listener's target
// (the real registry, or its token service), byte for byte, in both
// directions (half-closes included). It is the process driver's
// counterpart of the qemu driver's guestfwd.
//
// Bounds, shared by all listeners: at most `max_connections` connections
// at once, counted across every listener (one more is accepted and closed
// at once, so a client fails fast instead of waiting in the backlog); each
// direction of each connection buffers at most `buffer_bytes`, and reading
// stops while its buffer is full (the kernel's flow control then slows the
// sender). Memory is fixed at start: max_connections * (2 * buffer_bytes +
// a few hundred bytes).
//
// When a target cannot be reached, the client gets a short HTTP 502
// response naming that target and the error (the builder speaks plain HTTP
// to Kiln's registry and its token service), so a failed push says why.
//
// Async-signal-safe: only system calls, no allocation beyond one mmap, no
// locks; it runs in a child forked from a multi-threaded kilnd without exec.
// Thread-compatible: one thread runs one relay.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <span>

namespace kiln {

// The most listeners one relay serves.
inline constexpr size_t kMaxRelayRoutes = 4;

struct RelayTarget {
  sockaddr_storage addr = {};  // the target as reached from the host
  socklen_t addr_len = 0;
  char description[96] = {};  // "HOST:PORT", for messages
  // What the target is, for messages: "the registry", "the registry's
  // token service". Must point to static storage (a string literal).
  const char* name = "the registry";
  // > 0: a refused connection is tried again every 250 ms for up to this
  // long before the client gets the 502 (the token service is part of
  // kilnd, which a builder outlives across a restart). The client's
  // request waits in its socket meanwhile.
  int retry_refused_ms = 0;
};

// A listening socket (non-blocking is not required) and where the
// connections it accepts go.
struct RelayRoute {
  int listen_fd = -1;
  RelayTarget target;
};

struct RelayLimits {
  int max_connections = 64;
  size_t buffer_bytes = 64 * 1024;
};

// Forwards the connections each route's listener accepts to that route's
// target until `stop_fd` (ignored when < 0) becomes readable or a fatal
// error occurs (a listener failing is fatal). `log_fd` (ignored when < 0)
// gets one line per failed target connection, at most the first 20 in all.
// Closes every connection it opened before returning; leaves the
// listeners, `stop_fd` and `log_fd` open; keeps no reference to `routes`
// beyond the call. Returns 0 when stopped, EINVAL when `routes` is empty or
// longer than kMaxRelayRoutes or a limit is not positive, else the errno of
// the fatal error.
int RunRegistryRelay(std::span<const RelayRoute> routes,
                     const RelayLimits& limits, int stop_fd, int log_fd);

}  // namespace kiln
