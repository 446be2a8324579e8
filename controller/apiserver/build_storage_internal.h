// Helpers shared by the build_storage*.cc files. Not part of the API.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api_types/build.h"
#include "api_types/decode_options.h"
#include "api_types/status.h"
#include "controller/store/store.h"

namespace kiln::build_storage_internal {

// Attempts of an update retried on conflicts before giving up with Conflict
// (unconditional writes, and patches re-applied to fresh state).
inline constexpr int kMaxUpdateAttempts = 10;

// Strictly decodes a request body as a Build. Errors: InvalidArgument with
// one cause per field error.
StatusOr<Build> DecodeBuildBody(const nlohmann::json& body,
                                const DecodeOptions& options);

// Decodes a stored Build. Errors: Internal (the store holds garbage).
StatusOr<Build> DecodeStoredBuild(const StoredObject& stored);

// The Build with metadata.resourceVersion = `revision`.
Build WithRevision(Build build, int64_t revision);

// "" -> nullopt; a decimal revision -> it. Errors: InvalidArgument with a
// cause on metadata.resourceVersion for anything else.
StatusOr<std::optional<int64_t>> ParseResourceVersion(const std::string& rv);

// The body's namespace, when set, must be `ns`. InvalidArgument with a cause
// on metadata.namespace otherwise.
Status CheckNamespaceMatches(const Build& body, const std::string& ns);

// The body's name must be `name` (PUT, apply). InvalidArgument with a cause
// on metadata.name otherwise.
Status CheckNameMatches(const Build& body, const std::string& name);

// `t` at the second precision of API timestamps.
Timestamp ToTimestamp(std::chrono::system_clock::time_point t);

}  // namespace kiln::build_storage_internal
