// Clock: the time seam (Envoy TimeSource). System time for timestamps that
// are stored or shown, steady time for intervals and deadlines.
#pragma once

#include <chrono>

namespace kiln {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point SystemNow() = 0;
  virtual std::chrono::steady_clock::time_point SteadyNow() = 0;
};

// The real clocks. Thread-safe.
class RealClock final : public Clock {
 public:
  std::chrono::system_clock::time_point SystemNow() override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point SteadyNow() override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace kiln
