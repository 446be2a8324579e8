// Renders store benchmark results (the JSON of RunKilnBench / RunEtcdBench)
// as a plain-text table for a terminal and as Markdown for
// docs/benchmarks.md.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace kiln::bench {

void PrintKilnTable(const nlohmann::json& kiln, std::ostream& out);
void PrintEtcdTable(const nlohmann::json& etcd, std::ostream& out);

// The tables of the "Store" section. `etcd` may be null (not measured), in
// which case `etcd_note` says why.
std::string RenderMarkdown(const nlohmann::json& kiln,
                           const nlohmann::json& etcd,
                           const std::string& etcd_note);

}  // namespace kiln::bench
