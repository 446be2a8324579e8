#include "controller/data_dir/data_dir_layout.h"

#include <filesystem>
#include <system_error>
#include <utility>

namespace kiln {

StatusOr<DataDirLayout> DataDirLayout::ForDataDir(const std::string& data_dir) {
  if (data_dir.empty()) {
    return InvalidArgumentError("--data-dir must not be empty");
  }
  std::error_code ec;
  const std::filesystem::path absolute =
      std::filesystem::absolute(data_dir, ec);
  if (ec) {
    return InvalidArgumentError("--data-dir " + data_dir + ": " + ec.message());
  }
  std::string root = absolute.lexically_normal().string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return DataDirLayout(std::move(root));
}

Status DataDirLayout::CreateDirectories() const {
  const std::pair<const char*, std::string> dirs[] = {
      {"--data-dir", root_}, {"the logs directory", logs_dir()}};
  for (const auto& [what, dir] : dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return UnavailableError(std::string("cannot create ") + what + " " + dir +
                              ": " + ec.message());
    }
  }
  return OkStatus();
}

}  // namespace kiln
