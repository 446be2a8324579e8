// Talking to a running QEMU over unix sockets: QMP (the JSON monitor,
// `-qmp unix:PATH,server=on,wait=off`) for lifecycle, and a virtio-serial
// socket port (`kiln.cmd`) for commands to the guest. Each call opens its
// own connection and closes it: no state, thread-safe.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "api_types/status.h"

namespace kiln {

// Connects to the QMP socket at `socket_path`, negotiates capabilities and
// runs `command` ("query-status", "quit"). Returns the "return" value.
// Unavailable when the socket does not accept or answer within `timeout`
// (QEMU not up yet, or gone); Internal when QMP answers with an error or
// something that is not QMP.
StatusOr<nlohmann::json> QmpExecute(const std::string& socket_path,
                                    const std::string& command,
                                    std::chrono::milliseconds timeout);

// Connects to the stream socket at `socket_path`, writes `line` + '\n' and
// closes. Unavailable when it cannot connect or write within `timeout`.
Status SendSocketLine(const std::string& socket_path, const std::string& line,
                      std::chrono::milliseconds timeout);

}  // namespace kiln
