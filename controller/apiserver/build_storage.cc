#include "controller/apiserver/build_storage.h"

#include <charconv>
#include <utility>
#include <vector>

#include "api_types/build_json.h"
#include "api_types/field_error.h"
#include "api_types/phase.h"
#include "controller/apiserver/admission.h"
#include "controller/apiserver/build_storage_internal.h"
#include "controller/apiserver/resource_errors.h"
#include "controller/apiserver/resource_keys.h"

namespace kiln {

namespace build_storage_internal {

StatusOr<Build> DecodeBuildBody(const nlohmann::json& body,
                                const DecodeOptions& options) {
  // BuildFromJson attaches one cause per field error.
  return BuildFromJson(body, options);
}

StatusOr<Build> DecodeStoredBuild(const StoredObject& stored) {
  StatusOr<Build> build = BuildFromJson(stored.value);
  if (!build.ok()) {
    return InternalError("stored build " + stored.key.Path() +
                         " does not decode: " + build.status().message());
  }
  return build;
}

Build WithRevision(Build build, int64_t revision) {
  build.metadata.resource_version = std::to_string(revision);
  return build;
}

StatusOr<std::optional<int64_t>> ParseResourceVersion(const std::string& rv) {
  if (rv.empty()) return std::optional<int64_t>();
  int64_t value = 0;
  const char* end = rv.data() + rv.size();
  const auto [ptr, ec] = std::from_chars(rv.data(), end, value);
  if (ec != std::errc() || ptr != end || value <= 0) {
    return FieldErrorsToStatus(
        {{"metadata.resourceVersion",
          "invalid value \"" + rv +
              "\": must be a resourceVersion returned by the server"}});
  }
  return std::optional<int64_t>(value);
}

Status CheckNamespaceMatches(const Build& body, const std::string& ns) {
  if (body.metadata.namespace_.empty() || body.metadata.namespace_ == ns) {
    return OkStatus();
  }
  return FieldErrorsToStatus(
      {{"metadata.namespace", "does not match the namespace of the request"}});
}

Status CheckNameMatches(const Build& body, const std::string& name) {
  if (body.metadata.name == name) return OkStatus();
  return FieldErrorsToStatus(
      {{"metadata.name", "the name of the object (" + body.metadata.name +
                             ") does not match the name on the URL (" + name +
                             ")"}});
}

Timestamp ToTimestamp(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

}  // namespace build_storage_internal

using namespace build_storage_internal;

BuildStorage::BuildStorage(Store& store, Clock& clock,
                           BuildStorageOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

Status BuildStorage::LoadRecentDurations() {
  ListOptions list;
  list.scope = ResourceScope{kBuildsResource, std::nullopt};
  ASSIGN_OR_RETURN(ListResult stored, store_.List(list));
  std::vector<Build> finished;
  for (const StoredObject& item : stored.items) {
    StatusOr<Build> build = DecodeStoredBuild(item);
    if (build.ok() && IsTerminal(build->status.phase)) {
      finished.push_back(std::move(build).value());
    }
  }
  recent_durations_.Seed(std::move(finished), [this](const Build& build) {
    return ChargedNode(build, options_.node_name);
  });
  return OkStatus();
}

StatusOr<Build> BuildStorage::Get(const std::string& ns,
                                  const std::string& name) {
  ASSIGN_OR_RETURN(CurrentBuild current, ReadBuild(ns, name));
  return std::move(current.build);
}

StatusOr<Build> GetStoredBuild(Store& store, const std::string& ns,
                               const std::string& name) {
  StatusOr<StoredObject> stored = store.Get(BuildObjectKey(ns, name));
  if (!stored.ok()) {
    return TranslateStoreError(stored.status(), kBuildsResource, name);
  }
  return DecodeStoredBuild(*stored);
}

StatusOr<BuildStorage::CurrentBuild> BuildStorage::ReadBuild(
    const std::string& ns, const std::string& name) {
  StatusOr<StoredObject> stored = store_.Get(BuildObjectKey(ns, name));
  if (!stored.ok()) {
    return TranslateStoreError(stored.status(), kBuildsResource, name);
  }
  ASSIGN_OR_RETURN(Build build, DecodeStoredBuild(*stored));
  return CurrentBuild{std::move(build), stored->revision};
}

StatusOr<BuildList> BuildStorage::List(const std::optional<std::string>& ns,
                                       const LabelSelector& selector,
                                       int64_t limit,
                                       const std::string& continue_token) {
  ListOptions options;
  options.scope = ResourceScope{kBuildsResource, ns};
  options.selector = selector;
  options.limit = limit;
  options.continue_token = continue_token;
  ASSIGN_OR_RETURN(ListResult result, store_.List(options));
  BuildList list;
  list.metadata.resource_version = std::to_string(result.revision);
  list.metadata.continue_token = result.continue_token;
  list.metadata.remaining_item_count = result.remaining;
  list.items.reserve(result.items.size());
  for (const StoredObject& item : result.items) {
    ASSIGN_OR_RETURN(Build build, DecodeStoredBuild(item));
    list.items.push_back(std::move(build));
  }
  return list;
}

}  // namespace kiln
