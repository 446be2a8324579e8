#include "controller/vm/sandbox_network.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kiln {
namespace {

// The alias label of the registry address on `lo`.
constexpr char kAliasLabel[] = "lo:kiln";

// What OpenSandboxListeners reports as the failed step, by route.
struct ListenerSteps {
  const char* socket;
  const char* bind;
  const char* listen;
};
constexpr ListenerSteps kRegistrySteps = {"socket for the registry listener",
                                          "bind the registry listener",
                                          "listen on the registry listener"};
constexpr ListenerSteps kTokenServiceSteps = {
    "socket for the token service listener", "bind the token service listener",
    "listen on the token service listener"};

Status SplitRegistry(const std::string& registry, std::string* host,
                     uint16_t* port) {
  const size_t colon = registry.rfind(':');
  const std::string digits =
      colon == std::string::npos ? "" : registry.substr(colon + 1);
  if (colon == std::string::npos || colon == 0 || digits.empty() ||
      digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(digits) == 0 || std::stoi(digits) > 65535) {
    return InvalidArgumentError("registry \"" + registry +
                                "\": expected HOST:PORT");
  }
  *host = registry.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  *port = static_cast<uint16_t>(std::stoi(digits));
  return OkStatus();
}

void SetIpv4(sockaddr_storage* storage, socklen_t* len, in_addr ip,
             uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr = ip;
  sin.sin_port = htons(port);
  memcpy(storage, &sin, sizeof(sin));
  *len = sizeof(sin);
}

void SetIpv6(sockaddr_storage* storage, socklen_t* len, const in6_addr& ip,
             uint16_t port) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = ip;
  sin6.sin6_port = htons(port);
  memcpy(storage, &sin6, sizeof(sin6));
  *len = sizeof(sin6);
}

// Replaces the port of an IPv4 or IPv6 address.
void SetPort(sockaddr_storage* storage, uint16_t port) {
  if (storage->ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(storage)->sin_port = htons(port);
  } else if (storage->ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(storage)->sin6_port = htons(port);
  }
}

// The registry's token service: the registry's route with `port`, on the
// same listening address and the same resolved host. `registry` is the
// validated "HOST:PORT".
SandboxRoute TokenServiceRoute(const SandboxRoute& registry_route,
                               const std::string& registry, uint16_t port) {
  SandboxRoute route = registry_route;
  SetPort(&route.listen_addr, port);
  SetPort(&route.target.addr, port);
  const std::string description =
      registry.substr(0, registry.rfind(':') + 1) + std::to_string(port);
  memset(route.target.description, 0, sizeof(route.target.description));
  strncpy(route.target.description, description.c_str(),
          sizeof(route.target.description) - 1);
  route.target.name = "the registry's token service";
  // kilnd serves it: a builder that outlives a kilnd restart waits for it.
  route.target.retry_refused_ms = kTokenServiceRetryMs;
  return route;
}

// A socket listening on `route`'s address, or -1 with errno and *step.
int OpenListener(const SandboxRoute& route, int backlog,
                 const ListenerSteps& steps, const char** step) {
  *step = steps.socket;
  const int fd =
      socket(route.listen_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  int rc = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (rc == 0 && route.listen_addr.ss_family == AF_INET6) {
    rc = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  }
  if (rc == 0) {
    *step = steps.bind;
    rc = bind(fd, reinterpret_cast<const sockaddr*>(&route.listen_addr),
              route.listen_addr_len);
  }
  if (rc == 0) {
    *step = steps.listen;
    rc = listen(fd, backlog);
  }
  if (rc != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

// The relay's target for a host name: its first address.
Status Resolve(const std::string& host, uint16_t port, RelayTarget* target) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc =
      getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return UnavailableError("registry host \"" + host +
                            "\" does not resolve: " + gai_strerror(rc));
  }
  memcpy(&target->addr, found->ai_addr, found->ai_addrlen);
  target->addr_len = found->ai_addrlen;
  freeaddrinfo(found);
  return OkStatus();
}

// Brings `lo` up and, when asked, adds the alias. -1 with *step on error.
int ConfigureLoopback(const SandboxNetwork& network, const char** step) {
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    *step = "socket for lo";
    return -1;
  }
  ifreq req;
  memset(&req, 0, sizeof(req));
  strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  int rc = ioctl(s, SIOCGIFFLAGS, &req);
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP | IFF_RUNNING);
  if (rc == 0) rc = ioctl(s, SIOCSIFFLAGS, &req);
  *step = "bring lo up";
  if (rc == 0 && network.add_alias) {
    *step = "add the registry address to lo";
    memset(&req, 0, sizeof(req));
    strncpy(req.ifr_name, kAliasLabel, IFNAMSIZ - 1);
    sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr = network.alias;
    memcpy(&req.ifr_addr, &sin, sizeof(sin));
    rc = ioctl(s, SIOCSIFADDR, &req);
    sin.sin_addr.s_addr = htonl(0xffffffffu);
    memcpy(&req.ifr_netmask, &sin, sizeof(sin));
    if (rc == 0) rc = ioctl(s, SIOCSIFNETMASK, &req);
  }
  const int err = errno;
  close(s);
  errno = err;
  return rc == 0 ? 0 : -1;
}

}  // namespace

StatusOr<SandboxNetwork> PlanSandboxNetwork(const std::string& registry,
                                            const RelayLimits& limits,
                                            int token_port) {
  SandboxNetwork net;
  net.limits = limits;
  uint16_t port = 0;
  RETURN_IF_ERROR(SplitRegistry(registry, &net.registry_host, &port));
  if (token_port < 0 || token_port > 65535 || token_port == port) {
    return InvalidArgumentError(
        "registry token service port " + std::to_string(token_port) +
        ": expected 1..65535 and not the registry's own port (0 = none)");
  }
  SandboxRoute route;
  strncpy(route.target.description, registry.c_str(),
          sizeof(route.target.description) - 1);
  in_addr ip4;
  in6_addr ip6;
  if (inet_pton(AF_INET, net.registry_host.c_str(), &ip4) == 1) {
    SetIpv4(&route.listen_addr, &route.listen_addr_len, ip4, port);
    SetIpv4(&route.target.addr, &route.target.addr_len, ip4, port);
    net.add_alias = (ntohl(ip4.s_addr) >> 24) != 127;
    net.alias = ip4;
  } else if (inet_pton(AF_INET6, net.registry_host.c_str(), &ip6) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&ip6)) {
      return InvalidArgumentError(
          "registry \"" + registry +
          "\": the process driver's network sandbox supports IPv4 "
          "addresses, [::1] and host names, not other IPv6 addresses");
    }
    SetIpv6(&route.listen_addr, &route.listen_addr_len, ip6, port);
    SetIpv6(&route.target.addr, &route.target.addr_len, ip6, port);
  } else {
    net.host_is_name = true;
    in_addr loopback;
    loopback.s_addr = htonl(INADDR_LOOPBACK);
    SetIpv4(&route.listen_addr, &route.listen_addr_len, loopback, port);
    RETURN_IF_ERROR(Resolve(net.registry_host, port, &route.target));
  }
  net.routes.push_back(route);
  if (token_port > 0) {
    net.routes.push_back(
        TokenServiceRoute(route, registry, static_cast<uint16_t>(token_port)));
  }
  return net;
}

std::string HostsFile(const SandboxNetwork& network,
                      const std::string& hostname) {
  std::string text =
      "# Written by kilnd for one builder (controller/vm/"
      "sandbox_network.h).\n127.0.0.1\tlocalhost " +
      hostname + "\n";
  // A named registry resolves to the relay's IPv4 listener only.
  if (!(network.host_is_name && network.registry_host == "localhost")) {
    text += "::1\tlocalhost ip6-localhost ip6-loopback\n";
  }
  if (network.host_is_name && network.registry_host != "localhost") {
    text += "127.0.0.1\t" + network.registry_host + "\n";
  }
  return text;
}

int OpenSandboxListeners(const SandboxNetwork& network, int* fds,
                         const char** step) {
  if (ConfigureLoopback(network, step) != 0) return -1;
  for (size_t i = 0; i < network.routes.size(); ++i) {
    fds[i] = OpenListener(network.routes[i], network.limits.max_connections,
                          i == 0 ? kRegistrySteps : kTokenServiceSteps, step);
    if (fds[i] < 0) {
      const int err = errno;
      for (size_t j = 0; j < i; ++j) close(fds[j]);
      errno = err;
      return -1;
    }
  }
  return 0;
}

Status ProbeNetworkNamespace() {
  const pid_t child = fork();
  if (child < 0) {
    return FailedPreconditionError(std::string("fork: ") + strerror(errno));
  }
  if (child == 0) _exit(unshare(CLONE_NEWNET) == 0 ? 0 : (errno & 0x7f));
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      return FailedPreconditionError(std::string("waitpid: ") +
                                     strerror(errno));
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return OkStatus();
  const int err = WIFEXITED(status) ? WEXITSTATUS(status) : EINVAL;
  return FailedPreconditionError(
      std::string("cannot create a network namespace: ") + strerror(err));
}

}  // namespace kiln
