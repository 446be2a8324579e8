#include "reconcilers/storage_gc.h"

#include <set>
#include <string>
#include <vector>

namespace kiln {

StatusOr<StorageGcResult> StorageGarbageCollector::Collect() {
  ASSIGN_OR_RETURN(std::vector<Build> builds, builds_.List());
  std::set<std::string> live_uids;
  std::set<std::string> referenced_sources;
  for (const Build& b : builds) {
    live_uids.insert(b.metadata.uid);
    if (b.spec.source.archive) {
      referenced_sources.insert(b.spec.source.archive->digest);
    }
  }
  StorageGcResult result;
  result.logs = logs_.DeleteAllBut(live_uids);
  ASSIGN_OR_RETURN(result.sources, sources_.DeleteUnused(
                                       referenced_sources,
                                       clock_.SystemNow() - source_retention_));
  return result;
}

}  // namespace kiln
