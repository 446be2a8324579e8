// Small readers for the benchmarks' JSON results, shared by the report
// writers.
#pragma once

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>

namespace kiln::bench {

// j[key], or an empty object when absent (const operator[] would be UB).
inline const nlohmann::json& Field(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  if (!j.is_object()) return kEmpty;
  auto it = j.find(key);
  return it == j.end() ? kEmpty : *it;
}

// A latency field recorded in microseconds, in milliseconds.
inline double Ms(const nlohmann::json& latency, const char* field) {
  return latency.value(field, 0.0) / 1000.0;
}

// A CPU share field (0..1) of `cpu`, e.g. "37%".
inline std::string Pct(const nlohmann::json& cpu, const char* who) {
  return fmt::format("{:.0f}%", 100 * cpu.value(who, 0.0));
}

}  // namespace kiln::bench
