// What hack/chaos.sh's load wrote down, one line per request, in the state
// directory:
//   creates.log    "NAME HTTP_CODE RETRY_AFTER UID" after each create
//                  ("-" for a missing Retry-After or uid; code 000 when the
//                  answer was lost)
//   deletes.log    "NAME" BEFORE each delete is sent (a delete whose answer
//                  was lost may or may not have happened)
//   anomalies.log  one line per answer the load did not expect
// A line without its newline (the load was stopped mid-write) is ignored.
// Plain functions and values: thread-compatible.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace kiln::chaos {

struct CreateRecord {
  std::string name;
  int code = 0;
  std::string retry_after;  // "-" when absent
  std::string uid;          // "-" when unknown
};

std::vector<CreateRecord> ReadCreates(const std::string& state_dir);
std::set<std::string> ReadDeletes(const std::string& state_dir);
std::vector<std::string> ReadAnomalies(const std::string& state_dir);

// Complete lines of `path` (none when missing).
std::vector<std::string> CompleteLines(const std::string& path);

}  // namespace kiln::chaos
