// RunRegistryRelay: the host-side half of the process driver's network
// sandbox (docs/security.md "process driver sandbox"). The builder's
// network namespace has only `lo`; a listening socket created inside it on
// the registry's address is handed to this loop, which runs in a process in
// the host's network namespace and forwards every accepted connection to the
// real registry, byte for byte, in both directions (half-closes included).
// It is the process driver's counterpart of the qemu driver's guestfwd.
//
// Bounds: at most `max_connections` connections at once (one more is
// accepted and closed at once, so a client fails fast instead of waiting in
// the backlog); each direction of each connection buffers at most
// `buffer_bytes`, and reading stops while its buffer is full (the kernel's
// flow control then slows the sender). Memory is fixed at start:
// max_connections * (2 * buffer_bytes + a few hundred bytes).
//
// When the registry cannot be reached, the client gets a short HTTP 502
// response naming the registry and the error (the builder speaks plain HTTP
// to Kiln's registry), so a failed push says why.
//
// Async-signal-safe: only system calls, no allocation beyond one mmap, no
// locks; it runs in a child forked from a multi-threaded kilnd without exec.
// Thread-compatible: one thread runs one relay.
#pragma once

#include <sys/socket.h>

#include <cstddef>

namespace kiln {

struct RelayTarget {
  sockaddr_storage addr = {};  // the registry as reached from the host
  socklen_t addr_len = 0;
  char description[96] = {};  // "HOST:PORT", for messages
};

struct RelayLimits {
  int max_connections = 64;
  size_t buffer_bytes = 64 * 1024;
};

// Forwards connections accepted on `listen_fd` (non-blocking is not
// required) to `target` until `stop_fd` (ignored when < 0) becomes readable
// or a fatal error occurs. `log_fd` (ignored when < 0) gets one line per
// failed registry connection, at most the first 20. Closes every connection
// it opened before returning; leaves `listen_fd`, `stop_fd` and `log_fd`
// open. Returns 0 when stopped, else the errno of the fatal error.
int RunRegistryRelay(int listen_fd, const RelayTarget& target,
                     const RelayLimits& limits, int stop_fd, int log_fd);

}  // namespace kiln
