// OpenStore: the one way kilnd creates its Store. The backend is picked by
// StoreOptions::kind; code outside controller/store sees only `Store&`, so a
// second backend (etcd) is one more kind here and nothing else changes.
//
// Thread-safe (each call opens an independent store).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api_types/status.h"
#include "controller/store/store.h"

namespace kiln {

enum class StoreKind {
  kSqlite,  // one SQLite file (SqliteStore)
};

struct StoreOptions {
  StoreKind kind = StoreKind::kSqlite;
  // kSqlite: the database file; created (with its directory) when missing.
  std::string path;
  // Revisions kept for watch resume and continue tokens; older
  // resourceVersions are OutOfRange (410 Expired at the API).
  int64_t retained_revisions = 100000;
  // Each commit's duration in seconds (for metrics); called on a store
  // thread, must not block. Empty = not observed.
  std::function<void(double)> observe_commit;
};

// Opens (creating or migrating) the store `options` describe. Errors:
// InvalidArgument for bad options, FailedPrecondition for data written by a
// newer Kiln, Internal / Unavailable for I/O errors.
StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

}  // namespace kiln
