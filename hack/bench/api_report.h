// Renders the JSON of `api_bench run` as the Markdown tables of the "API
// server" section of docs/benchmarks.md. Pure function, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace kiln::bench {

std::string RenderApiMarkdown(const nlohmann::json& run);

}  // namespace kiln::bench
