// A fixed pool of read-only SQLite connections. In WAL mode readers never wait
// for the writer and see every transaction committed before they start.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/base/mutex.h"
#include "controller/store/sqlite_log.h"

namespace kiln {

class SqliteReadPool {
 public:
  struct Slot {
    std::unique_ptr<SqliteConnection> conn;
    std::unique_ptr<SqliteLog> log;
  };

  // Exclusive use of one connection for the lease's lifetime.
  class Lease {
   public:
    Lease(SqliteReadPool* pool, Slot* slot) : pool_(pool), slot_(slot) {}
    ~Lease() { pool_->Release(slot_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SqliteLog& log() { return *slot_->log; }

   private:
    SqliteReadPool* pool_;
    Slot* slot_;
  };

  // Opens `size` connections to the existing database at `path`.
  static StatusOr<std::shared_ptr<SqliteReadPool>> Open(const std::string& path,
                                                        int size);

  // Waits for a free connection.
  std::unique_ptr<Lease> Acquire() EXCLUDES(mu_);

 private:
  SqliteReadPool() = default;
  void Release(Slot* slot) EXCLUDES(mu_);

  std::vector<std::unique_ptr<Slot>> slots_;  // const after Open

  Mutex mu_;
  CondVar free_cv_{&mu_};
  std::vector<Slot*> free_ GUARDED_BY(mu_);
};

}  // namespace kiln
