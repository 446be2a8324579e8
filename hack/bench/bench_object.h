// A realistic Build object for storage benchmarks: the shape a running Build
// has in the store (metadata with labels, full spec, status with conditions,
// VM and provenance), about 1.5 KB of JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace kiln::bench {

// A Build named `name` in namespace `ns`; `seq` varies the digests and uid
// so objects do not compress into each other.
nlohmann::json MakeBuildObject(const std::string& ns, const std::string& name,
                               int64_t seq);

}  // namespace kiln::bench
