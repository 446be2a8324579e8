// The network of a process-driver builder (docs/security.md "process
// driver sandbox"): a new network namespace with only `lo`, in which a
// listening socket sits on the registry's own address, so the image
// reference the builder pushes to ("127.0.0.1:5000/ns/name:tag") works
// unchanged; a relay in the host's network namespace (registry_relay.h)
// forwards what that socket accepts to the real registry. When the registry
// has a token service (on the registry's host, on another port), a second
// listener on the same address at that port is relayed to the registry's
// host at that port. Nothing else is reachable:
// there is no other interface and no route.
//
// The registry "HOST:PORT" decides the address inside the namespace:
//   - an IPv4 address: that address (added to `lo` when it is not in
//     127.0.0.0/8);
//   - [::1]: ::1;
//   - a host name: 127.0.0.1, and the builder's /etc/hosts (HostsFile)
//     maps the name there;
//   - another IPv6 address: not supported (InvalidArgument).
// The relay's targets are resolved once, when the VM starts (the token
// service's is the registry's address with the token service's port).
//
// PlanSandboxNetwork runs before fork (it allocates and may resolve names);
// OpenSandboxListeners runs in the forked child, inside the new namespace,
// and is async-signal-safe. Thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/vm/registry_relay.h"

namespace kiln {

// A listener inside the namespace and where the relay forwards what it
// accepts.
struct SandboxRoute {
  sockaddr_storage listen_addr = {};  // inside the namespace
  socklen_t listen_addr_len = 0;
  RelayTarget target;  // from the host
};

// How long the relay retries a refused connection to the token service
// (kilnd restarting) before it answers 502.
inline constexpr int kTokenServiceRetryMs = 15000;

struct SandboxNetwork {
  // routes[0]: the registry; routes[1], when there is a token port: the
  // registry's token service. Never more than kMaxRelayRoutes.
  std::vector<SandboxRoute> routes;
  bool add_alias = false;  // add alias (IPv4) to `lo` first
  in_addr alias = {};
  RelayLimits limits;
  std::string registry_host;  // HOST of HOST:PORT, brackets removed
  bool host_is_name = false;  // HostsFile maps registry_host to 127.0.0.1
};

// `token_port`: the port of the registry's token service on the
// registry's host; 0 = none. InvalidArgument when `registry` is not
// HOST:PORT or is an unsupported address, or `token_port` is not 0..65535
// or is the registry's own port; Unavailable when a host name does not
// resolve.
StatusOr<SandboxNetwork> PlanSandboxNetwork(const std::string& registry,
                                            const RelayLimits& limits,
                                            int token_port = 0);

// /etc/hosts for the builder: localhost, `hostname` and, when the registry
// is named, that name, all on loopback.
std::string HostsFile(const SandboxNetwork& network,
                      const std::string& hostname);

// In the new network namespace: brings `lo` up, adds the alias, and
// stores in fds[i] a socket listening on routes[i].listen_addr
// (close-on-exec); `fds` has room for routes.size(). Returns 0; on failure
// -1 with errno set, *step naming what failed and every socket it opened
// closed again. Async-signal-safe.
int OpenSandboxListeners(const SandboxNetwork& network, int* fds,
                         const char** step);

// Whether this process may create network namespaces: a child tries
// unshare(CLONE_NEWNET). FailedPrecondition saying why not.
Status ProbeNetworkNamespace();

}  // namespace kiln
