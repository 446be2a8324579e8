#include "controller/runtime/rate_limiter.h"

#include <algorithm>

namespace kiln {

ExponentialBackoff::ExponentialBackoff(std::chrono::nanoseconds base_delay,
                                       std::chrono::nanoseconds max_delay)
    : base_delay_(base_delay), max_delay_(std::max(base_delay, max_delay)) {}

std::chrono::nanoseconds ExponentialBackoff::When(const ObjectKey& key) {
  int failures;
  {
    MutexLock lock(mu_);
    failures = failures_[key]++;
  }
  // Double step by step so a long failure streak cannot overflow.
  std::chrono::nanoseconds delay = base_delay_;
  for (int i = 0; i < failures && delay < max_delay_; ++i) {
    delay = delay > max_delay_ / 2 ? max_delay_ : delay * 2;
  }
  return std::min(delay, max_delay_);
}

void ExponentialBackoff::Forget(const ObjectKey& key) {
  MutexLock lock(mu_);
  failures_.erase(key);
}

int ExponentialBackoff::NumRequeues(const ObjectKey& key) const {
  MutexLock lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

}  // namespace kiln
