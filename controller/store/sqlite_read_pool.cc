#include "controller/store/sqlite_read_pool.h"

namespace kiln {

StatusOr<std::shared_ptr<SqliteReadPool>> SqliteReadPool::Open(
    const std::string& path, int size) {
  std::shared_ptr<SqliteReadPool> pool(new SqliteReadPool());
  for (int i = 0; i < size; ++i) {
    auto slot = std::make_unique<Slot>();
    ASSIGN_OR_RETURN(slot->conn,
                     SqliteConnection::Open(path, /*create=*/false));
    RETURN_IF_ERROR(slot->conn->Exec("PRAGMA query_only=ON"));
    ASSIGN_OR_RETURN(slot->log, SqliteLog::Create(*slot->conn));
    pool->slots_.push_back(std::move(slot));
  }
  MutexLock lock(pool->mu_);
  for (auto& slot : pool->slots_) pool->free_.push_back(slot.get());
  return pool;
}

std::unique_ptr<SqliteReadPool::Lease> SqliteReadPool::Acquire() {
  MutexLock lock(mu_);
  while (free_.empty()) free_cv_.Wait();
  Slot* slot = free_.back();
  free_.pop_back();
  return std::make_unique<Lease>(this, slot);
}

void SqliteReadPool::Release(Slot* slot) {
  MutexLock lock(mu_);
  free_.push_back(slot);
  free_cv_.Signal();
}

}  // namespace kiln
