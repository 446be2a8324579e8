#include "controller/image_registry/restart_backoff.h"

#include <algorithm>

namespace kiln {

RestartBackoff::RestartBackoff(Duration initial, Duration max)
    : initial_(initial), max_(std::max(initial, max)), next_(initial) {}

RestartBackoff::Duration RestartBackoff::NextDelay(Duration uptime) {
  if (uptime >= max_) next_ = initial_;
  const Duration delay = next_;
  next_ = std::min(next_ * 2, max_);
  return delay;
}

}  // namespace kiln
