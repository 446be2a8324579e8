// ExponentialBackoff: the per-key retry delay of the work queue (client-go's
// ItemExponentialFailureRateLimiter). The n-th consecutive failure of a key
// waits base_delay * 2^(n-1), capped at max_delay; Forget() starts the key
// over.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <map>

#include "controller/base/mutex.h"
#include "controller/store/store.h"

namespace kiln {

class ExponentialBackoff {
 public:
  // REQUIRES: 0 < base_delay <= max_delay.
  ExponentialBackoff(std::chrono::nanoseconds base_delay,
                     std::chrono::nanoseconds max_delay);
  ExponentialBackoff(const ExponentialBackoff&) = delete;
  ExponentialBackoff& operator=(const ExponentialBackoff&) = delete;

  // Records one more failure of `key` and returns how long to wait before
  // retrying it: base, 2*base, 4*base, ... up to max_delay.
  std::chrono::nanoseconds When(const ObjectKey& key) EXCLUDES(mu_);

  // Forgets the failures of `key`: the next When() returns base_delay.
  void Forget(const ObjectKey& key) EXCLUDES(mu_);

  // Failures recorded for `key` since the last Forget().
  int NumRequeues(const ObjectKey& key) const EXCLUDES(mu_);

 private:
  const std::chrono::nanoseconds base_delay_;
  const std::chrono::nanoseconds max_delay_;

  mutable Mutex mu_;
  std::map<ObjectKey, int> failures_ GUARDED_BY(mu_);
};

}  // namespace kiln
