// The network of a process-driver builder (docs/security.md "process
// driver sandbox"): a new network namespace with only `lo`, in which a
// listening socket sits on the registry's own address, so the image
// reference the builder pushes to ("127.0.0.1:5000/ns/name:tag") works
// unchanged; a relay in the host's network namespace (registry_relay.h)
// forwards what that socket accepts to the real registry. Nothing else is
// reachable: there is no other interface and no route.
//
// The registry "HOST:PORT" decides the address inside the namespace:
//   - an IPv4 address: that address (added to `lo` when it is not in
//     127.0.0.0/8);
//   - [::1]: ::1;
//   - a host name: 127.0.0.1, and the builder's /etc/hosts (HostsFile)
//     maps the name there;
//   - another IPv6 address: not supported (InvalidArgument).
// The relay's target is resolved once, when the VM starts.
//
// PlanSandboxNetwork runs before fork (it allocates and may resolve names);
// OpenSandboxListener runs in the forked child, inside the new namespace,
// and is async-signal-safe. Thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "api_types/status.h"
#include "controller/vm/registry_relay.h"

namespace kiln {

struct SandboxNetwork {
  sockaddr_storage listen_addr = {};  // inside the namespace
  socklen_t listen_addr_len = 0;
  bool add_alias = false;  // add alias (IPv4) to `lo` first
  in_addr alias = {};
  RelayTarget target;  // the registry, from the host
  RelayLimits limits;
  std::string registry_host;  // HOST of HOST:PORT, brackets removed
  bool host_is_name = false;  // HostsFile maps registry_host to 127.0.0.1
};

// InvalidArgument when `registry` is not HOST:PORT or is an unsupported
// address; Unavailable when a host name does not resolve.
StatusOr<SandboxNetwork> PlanSandboxNetwork(const std::string& registry,
                                            const RelayLimits& limits);

// /etc/hosts for the builder: localhost, `hostname` and, when the registry
// is named, that name, all on loopback.
std::string HostsFile(const SandboxNetwork& network,
                      const std::string& hostname);

// In the new network namespace: brings `lo` up, adds the alias, and
// returns a socket listening on listen_addr (close-on-exec). On failure
// returns -1 with errno set and *step naming what failed.
// Async-signal-safe.
int OpenSandboxListener(const SandboxNetwork& network, const char** step);

// Whether this process may create network namespaces: a child tries
// unshare(CLONE_NEWNET). FailedPrecondition saying why not.
Status ProbeNetworkNamespace();

}  // namespace kiln
