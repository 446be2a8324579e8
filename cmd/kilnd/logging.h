// kilnd's log output: spdlog's default logger, as text (the default) or as
// one JSON object per line, at a verbosity chosen by --v.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

// `format` is "text" or "json"; `verbosity` 0 = info, 1 = debug, 2+ =
// trace (as --v). JSON lines are {"ts":RFC 3339 UTC,"level":...,"msg":...}
// with the message escaped, so any line parses. Lines written during a
// reconcile also name it (controller/runtime/reconcile_scope.h): text
// "[build default/x r12] msg", JSON "controller", "object", "reconcileID".
// InvalidArgument for an unknown format.
Status ConfigureLogging(const std::string& format, int verbosity);

}  // namespace kiln
