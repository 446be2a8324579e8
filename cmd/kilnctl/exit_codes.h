// kilnctl's exit codes (docs/kilnctl.md). Scripts rely on them: never
// renumber.
#pragma once

namespace kiln::kilnctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;      // any error (server, network, I/O)
inline constexpr int kExitUsage = 2;      // bad flags or arguments
inline constexpr int kExitFailed = 3;     // the build ended Failed
inline constexpr int kExitCancelled = 4;  // the build ended Cancelled
inline constexpr int kExitRejected = 5;   // admission refused it (503)

}  // namespace kiln::kilnctl
