// Values kilnd derives from its flags before it touches anything: the
// listen address, this host's capacity and its Node name. Pure (besides
// reading the host's name and capacity); thread-safe.
#pragma once

#include <string>

#include "api_types/node.h"
#include "api_types/status.h"
#include "cmd/kilnd/flags.h"

namespace kiln {

struct HostPort {
  std::string host;  // without [] for IPv6
  int port = 0;
};

// --listen HOST:PORT ("[::1]:6443" for IPv6; port 0 = any free one).
// InvalidArgument naming the flag for a malformed value.
StatusOr<HostPort> ParseListen(const std::string& text);

// "HOST:PORT", bracketing an IPv6 host.
std::string FormatHostPort(const std::string& host, int port);

// The capacity builds may hold: the host's, overridden by --capacity-cpus,
// --capacity-memory and --max-builds (default: as many builds as cpus).
// InvalidArgument for a malformed --capacity-memory.
StatusOr<NodeResources> Capacity(const KilndFlags& flags);

// --node-name, else the lower-cased host name, else kFallbackNodeName.
std::string NodeName(const KilndFlags& flags);

}  // namespace kiln
