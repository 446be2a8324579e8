#include "cmd/kilnd/flag_values.h"

#include <unistd.h>

#include <cctype>
#include <stdexcept>

#include "api_types/quantity.h"
#include "controller/apiserver/host_capacity.h"

namespace kiln {

StatusOr<HostPort> ParseListen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgumentError("--listen: want HOST:PORT, got \"" + text +
                                "\"");
  }
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[') {
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  }
  try {
    size_t used = 0;
    hp.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1)
      throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return InvalidArgumentError("--listen: bad port in \"" + text + "\"");
  }
  if (hp.port < 0 || hp.port > 65535) {
    return InvalidArgumentError("--listen: port out of range in \"" + text +
                                "\"");
  }
  return hp;
}

std::string FormatHostPort(const std::string& host, int port) {
  const std::string h =
      host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

StatusOr<NodeResources> Capacity(const KilndFlags& flags) {
  NodeResources c = HostCapacity();
  if (flags.capacity_cpus > 0) c.cpus = flags.capacity_cpus;
  if (!flags.capacity_memory.empty()) {
    ASSIGN_OR_RETURN(c.memory_mib, ParseMemoryMiB(flags.capacity_memory));
  }
  c.builds = flags.max_builds > 0 ? flags.max_builds : c.cpus;
  return c;
}

std::string NodeName(const KilndFlags& flags) {
  if (!flags.node_name.empty()) return flags.node_name;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    return kFallbackNodeName;
  }
  std::string name(host);
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  return name;
}

}  // namespace kiln
