// ClientSlots: a cap on how many of one kind of thing (requests in flight,
// log follows) one client holds at once. A slot is a token: it is released
// when the last copy of it is destroyed, wherever that happens (a handler
// returning, a stream closing). Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"

namespace kiln {

class ClientSlots : public std::enable_shared_from_this<ClientSlots> {
 public:
  // REQUIRES: created with std::make_shared (slots keep the table alive).
  explicit ClientSlots(size_t max_per_client) : max_(max_per_client) {}
  ClientSlots(const ClientSlots&) = delete;
  ClientSlots& operator=(const ClientSlots&) = delete;

  // A slot for `client`, or null when it already holds max_per_client.
  std::shared_ptr<void> TryAcquire(const std::string& client) EXCLUDES(mu_);

  // Slots `client` holds now (for tests and metrics).
  size_t Held(const std::string& client) const EXCLUDES(mu_);

  size_t max_per_client() const { return max_; }

 private:
  // What TryAcquire hands out: releases the slot when destroyed.
  struct Slot;
  void Release(const std::string& client) EXCLUDES(mu_);

  const size_t max_;
  mutable Mutex mu_;
  std::map<std::string, size_t> held_ GUARDED_BY(mu_);
};

}  // namespace kiln
