// Helpers for reading Prometheus text exposition in tests. Test-only.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "tests/testing/temp_dir.h"

namespace kiln::testing {

// The value of the sample whose line starts with `series` followed by a
// space, e.g. Sample(text, R"(kiln_builds_total{result="ready"})"); nullopt
// when there is no such line.
inline std::optional<double> Sample(const std::string& text,
                                    std::string_view series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() &&
        line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// Path of an executable found on PATH, or nullopt.
inline std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` through /bin/sh with `input` on stdin.
inline CommandResult RunWithInput(const std::string& command,
                                  const std::string& input,
                                  const TempDir& dir) {
  const std::string in_path = dir.path() + "/stdin";
  const std::string out_path = dir.path() + "/output";
  std::ofstream(in_path) << input;
  int status = std::system(
      (command + " <" + in_path + " >" + out_path + " 2>&1").c_str());
  CommandResult result;
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  std::ifstream out(out_path);
  std::ostringstream text;
  text << out.rdbuf();
  result.output = text.str();
  return result;
}

}  // namespace kiln::testing
