// Runs real binaries for integration tests: one-shot commands with captured
// output, and long-running children (kilnd) whose output is read line by
// line. Thread-compatible.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace kiln::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Runs argv[0] (PATH lookup) with extra environment `env`, feeding `input`
// on stdin, and waits up to `timeout` (then SIGKILL, exit_code -1).
CommandResult RunCommand(
    const std::vector<std::string>& argv,
    const std::map<std::string, std::string>& env = {},
    const std::string& input = "",
    std::chrono::seconds timeout = std::chrono::seconds(60));

// A child process whose stdout+stderr go to a file.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log_path,
        const std::map<std::string, std::string>& env = {});
  ~Child();  // SIGKILLs the child if still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Waits until the log contains `needle`; returns the log's text, or "" on
  // timeout or when the child exited first.
  std::string WaitForLog(const std::string& needle,
                         std::chrono::milliseconds timeout);
  std::string Log() const;
  // Sends `sig` and waits for exit; returns the wait status.
  int Signal(int sig, std::chrono::milliseconds timeout =
                          std::chrono::milliseconds(10000));
  bool Running();

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  bool reaped_ = false;
  int wait_status_ = 0;
};

}  // namespace kiln::testing
