#include "controller/data_dir/data_dir_layout.h"

#include <cstdio>
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
  if (root == "/") {
    // kilnd makes its data dir private (0700); never the root directory.
    return InvalidArgumentError("--data-dir must not be /");
  }
  return DataDirLayout(std::move(root));
}

StatusOr<std::string> DataDirLayout::CreateDirectories() const {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool existed = fs::is_directory(root_, ec);
  fs::create_directories(root_, ec);
  if (ec) {
    return UnavailableError("cannot create --data-dir " + root_ + ": " +
                            ec.message());
  }
  const fs::perms before = fs::status(root_, ec).permissions();
  const fs::perms others = fs::perms::group_all | fs::perms::others_all;
  std::string warning;
  if (!ec && (before & others) != fs::perms::none) {
    if (existed) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%03o",
                    static_cast<unsigned>(before & fs::perms::mask));
      warning = "--data-dir " + root_ + " had mode " + octal +
                "; tightened to 0700 (it holds tokens, keys, the store and "
                "build logs)";
    }
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (ec) {
    return UnavailableError("cannot make --data-dir " + root_ +
                            " private (0700): " + ec.message());
  }
  fs::create_directories(logs_dir(), ec);
  if (ec) {
    return UnavailableError("cannot create the logs directory " + logs_dir() +
                            ": " + ec.message());
  }
  return warning;
}

}  // namespace kiln
