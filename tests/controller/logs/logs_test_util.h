// Test helpers for controller/logs: a temp dir, file writes, a thread-safe
// follower callback recorder, and polling with a generous deadline. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api_types/status.h"
#include "controller/logs/log_follower.h"

namespace kiln {

// A fresh directory, removed with its contents on destruction.
class LogsTempDir {
 public:
  LogsTempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "kiln-logs-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~LogsTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void AppendFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << data;
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Polls `done` until it holds or a generous deadline passes. Unit tests
// assert outcomes, never latencies.
inline bool Eventually(
    const std::function<bool()>& done,
    std::chrono::seconds deadline = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// Records what a follower delivers. Thread-safe.
class Recorder {
 public:
  LogFollowerCallbacks Callbacks() {
    return LogFollowerCallbacks{
        [this](std::string_view data, int64_t next_offset) {
          std::lock_guard<std::mutex> lock(mu_);
          data_.append(data);
          ++calls_;
          if (next_offset <= last_offset_) ordered_ = false;
          last_offset_ = next_offset;
          return keep_going_;
        },
        [this](const Status& status) {
          std::lock_guard<std::mutex> lock(mu_);
          if (end_) ++extra_ends_;
          end_ = status;
        }};
  }
  std::string data() {
    std::lock_guard<std::mutex> lock(mu_);
    return data_;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int64_t last_offset() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_offset_;
  }
  std::optional<Status> end() {
    std::lock_guard<std::mutex> lock(mu_);
    return end_;
  }
  bool ordered() {
    std::lock_guard<std::mutex> lock(mu_);
    return ordered_ && extra_ends_ == 0;
  }
  void StopAfterNext() {
    std::lock_guard<std::mutex> lock(mu_);
    keep_going_ = false;
  }

 private:
  std::mutex mu_;
  std::string data_;
  int calls_ = 0;
  int64_t last_offset_ = -1;
  bool ordered_ = true;
  bool keep_going_ = true;
  int extra_ends_ = 0;
  std::optional<Status> end_;
};

}  // namespace kiln
