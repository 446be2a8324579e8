#include "reconcilers/storage_build_client.h"

#include <optional>
#include <utility>

#include "api_types/build_json.h"
#include "api_types/label_selector.h"

namespace kiln {

StatusOr<Build> StorageBuildClient::Get(const std::string& ns,
                                        const std::string& name) {
  return registry_.Get(ns, name);
}

StatusOr<std::vector<Build>> StorageBuildClient::List() {
  ASSIGN_OR_RETURN(BuildList list,
                   registry_.List(std::nullopt, LabelSelector(), /*limit=*/0,
                                  /*continue_token=*/""));
  return std::move(list.items);
}

StatusOr<Build> StorageBuildClient::UpdateStatus(const Build& build) {
  // The body's resourceVersion makes the write conditional (Aborted when
  // stale, never retried by BuildStorage).
  ASSIGN_OR_RETURN(BuildWriteResult result,
                   registry_.Update(build.metadata.namespace_,
                                    build.metadata.name, ToJson(build),
                                    /*status_subresource=*/true, {}));
  return result.build;
}

}  // namespace kiln
