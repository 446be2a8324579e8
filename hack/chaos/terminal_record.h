// The first terminal phase (Ready, Failed, Cancelled) the checker saw for
// each Build uid, with the lowest resourceVersion it was seen at, kept in
// STATE/terminal.json across checker runs. Every observation of a Build
// (list items, watch events) goes through Observe: a terminal phase must
// never change, and nothing after it may show another phase.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "api_types/status.h"

namespace kiln::chaos {

bool IsTerminalPhase(const std::string& phase);

class TerminalRecord {
 public:
  // Loads `path` (empty when missing). Internal when it does not decode.
  static StatusOr<TerminalRecord> Load(const std::string& path);
  // Writes the record back atomically. Internal on I/O errors.
  Status Save() const;

  // The Build `uid` (`name` for messages) showed `phase` at resourceVersion
  // `rv`, seen in `where` ("list", "watch 00012"). Returns "" when that is
  // consistent with what was seen before, else the violation's detail.
  std::string Observe(const std::string& uid, const std::string& name,
                      const std::string& phase, int64_t rv,
                      const std::string& where);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string name;
    std::string phase;
    int64_t rv = 0;
    std::string where;
  };
  std::string path_;
  std::map<std::string, Entry> entries_;
};

}  // namespace kiln::chaos
