#include "controller/store/store_factory.h"

#include <utility>

#include "controller/store/sqlite_store.h"

namespace kiln {

StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  switch (options.kind) {
    case StoreKind::kSqlite: {
      SqliteStoreOptions sqlite;
      sqlite.path = options.path;
      sqlite.retained_revisions = options.retained_revisions;
      sqlite.observe_commit = options.observe_commit;
      ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
                       SqliteStore::Open(sqlite));
      return std::unique_ptr<Store>(std::move(store));
    }
  }
  return InvalidArgumentError("unknown store kind");
}

}  // namespace kiln
