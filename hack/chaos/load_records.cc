#include "hack/chaos/load_records.h"

#include <sstream>

#include "controller/base/files.h"

namespace kiln::chaos {

std::vector<std::string> CompleteLines(const std::string& path) {
  const std::string text = ReadFileOrEmpty(path);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos;
       nl = text.find('\n', start)) {
    if (nl > start) lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::vector<CreateRecord> ReadCreates(const std::string& state_dir) {
  std::vector<CreateRecord> creates;
  for (const std::string& line : CompleteLines(state_dir + "/creates.log")) {
    std::istringstream in(line);
    CreateRecord r;
    if (in >> r.name >> r.code >> r.retry_after >> r.uid) creates.push_back(r);
  }
  return creates;
}

std::set<std::string> ReadDeletes(const std::string& state_dir) {
  std::set<std::string> deleted;
  for (const std::string& line : CompleteLines(state_dir + "/deletes.log")) {
    deleted.insert(line);
  }
  return deleted;
}

std::vector<std::string> ReadAnomalies(const std::string& state_dir) {
  return CompleteLines(state_dir + "/anomalies.log");
}

}  // namespace kiln::chaos
