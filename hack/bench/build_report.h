// Markdown of the "Builds" section of docs/benchmarks.md from the JSON
// that `build_bench run` wrote for each phase (merged into one object), and
// of the "Build log latency" section when given the log-latency phase.
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kiln::bench {

// Phases missing from `run` are left out. Throws nlohmann::json::exception
// on a field of the wrong type.
std::string RenderBuildsMarkdown(const nlohmann::json& run);

}  // namespace kiln::bench
