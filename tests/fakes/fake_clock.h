// FakeClock: a Clock that moves only when told. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "controller/base/clock.h"

namespace kiln {

class FakeClock final : public Clock {
 public:
  FakeClock()
      : system_(std::chrono::sys_days{std::chrono::year{2026} /
                                      std::chrono::November / 28}) {}

  std::chrono::system_clock::time_point SystemNow() override {
    std::lock_guard<std::mutex> lock(mu_);
    return system_;
  }
  std::chrono::steady_clock::time_point SteadyNow() override {
    std::lock_guard<std::mutex> lock(mu_);
    return steady_;
  }
  // Moves both clocks forward by `d`.
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    system_ +=
        std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    steady_ += d;
  }

 private:
  std::mutex mu_;
  std::chrono::system_clock::time_point system_;
  std::chrono::steady_clock::time_point steady_{};
};

}  // namespace kiln
