// The Build that api_bench creates: the smallest valid one (an inline
// one-line Dockerfile, 1 CPU, 64 MiB), optionally annotated. Pure function,
// thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace kiln::bench {

// Hands out the names <prefix>-0, <prefix>-1, ... across threads. Each
// phase uses its own prefix, so separate api_bench runs against one kilnd
// never collide. Thread-safe.
class BuildNamer {
 public:
  explicit BuildNamer(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string Next() { return prefix_ + "-" + std::to_string(next_++); }

 private:
  const std::string prefix_;
  std::atomic<int64_t> next_{0};
};

// Path of the builds collection of `ns`.
std::string BuildsPath(const std::string& ns);

// JSON body of a Build named `name` with `annotations` in its metadata.
std::string BuildBody(
    const std::string& name,
    const std::map<std::string, std::string>& annotations = {});

}  // namespace kiln::bench
