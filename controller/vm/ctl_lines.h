// CtlLines: what the guest of a qemu builder VM reports on its virtio-serial
// port `kiln.ctl` (hack/guest/kiln-guest-run), which QEMU appends to the
// file ctl.log in the VM's state directory. One event per line:
//
//   agent-start uptime=S     kiln-agent is about to start (guest booted)
//   progress {json}          AgentProgress, one line per change
//   cancel                   the guest received "cancel" on kiln.cmd
//   result {json}            AgentResult, on one line
//   agent-exit rc=N uptime=S kiln-agent exited with status N
//
// Plain functions and value types: thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "controller/vm/agent_contract.h"

namespace kiln {

struct CtlState {
  bool agent_started = false;
  std::optional<double> agent_start_uptime;  // guest seconds since boot
  std::optional<AgentProgress> progress;     // the last progress line
  std::optional<AgentResult> result;
  bool cancel_received = false;
  std::optional<int> agent_exit_code;
};

// Folds the lines of `text` (the contents of ctl.log) into a CtlState. A
// last line without '\n' may still be being written and is ignored, as are
// unknown or malformed lines (a progress line that does not decode keeps the
// previous progress). Never fails.
CtlState ParseCtlLines(std::string_view text);

// Why a VM that powered off without a result did.
struct GuestExit {
  std::string reason;
  bool oom_killed = false;  // the guest kernel's OOM killer acted
};

// From its ctl lines, its serial console text and QEMU's own exit
// ("exited with code 0", shim_records.h DescribeExit). Never fails.
GuestExit DescribeGuestExit(const CtlState& ctl, std::string_view console,
                            const std::string& qemu_exit);

}  // namespace kiln
