#include "controller/apiserver/client_slots.h"

#include <utility>

namespace kiln {

struct ClientSlots::Slot {
  Slot(std::shared_ptr<ClientSlots> table, std::string client)
      : table(std::move(table)), client(std::move(client)) {}
  ~Slot() { table->Release(client); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  const std::shared_ptr<ClientSlots> table;
  const std::string client;
};

std::shared_ptr<void> ClientSlots::TryAcquire(const std::string& client) {
  {
    MutexLock lock(mu_);
    size_t& held = held_[client];
    if (held >= max_) {
      if (held == 0) held_.erase(client);
      return nullptr;
    }
    ++held;
  }
  return std::make_shared<Slot>(shared_from_this(), client);
}

size_t ClientSlots::Held(const std::string& client) const {
  MutexLock lock(mu_);
  const auto it = held_.find(client);
  return it == held_.end() ? 0 : it->second;
}

void ClientSlots::Release(const std::string& client) {
  MutexLock lock(mu_);
  const auto it = held_.find(client);
  if (it == held_.end()) return;
  if (--it->second == 0) held_.erase(it);
}

}  // namespace kiln
