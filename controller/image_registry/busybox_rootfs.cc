#include "controller/image_registry/busybox_rootfs.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "controller/base/subprocess.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "nogroup:x:65534:\n";

Status WriteFile(const fs::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::trunc);
  out << contents;
  out.flush();
  if (!out) return InternalError("cannot write " + path.string());
  return OkStatus();
}

Status MakeLayout(const std::string& busybox, const fs::path& root) {
  std::error_code ec;
  fs::remove_all(root, ec);
  for (const char* sub : {"bin", "etc", "root", "tmp"}) {
    fs::create_directories(root / sub, ec);
    if (ec) {
      return InternalError("cannot create " + (root / sub).string() + ": " +
                           ec.message());
    }
  }
  fs::permissions(root / "tmp", fs::perms::all | fs::perms::sticky_bit, ec);
  fs::copy_file(busybox, root / "bin/busybox", ec);
  if (ec) {
    return InternalError("cannot copy " + busybox + ": " + ec.message());
  }
  RETURN_IF_ERROR(WriteFile(root / "etc/passwd", kPasswd));
  return WriteFile(root / "etc/group", kGroup);
}

}  // namespace

Status WriteBusyboxRootfs(const std::string& busybox, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(busybox, ec)) {
    return FailedPreconditionError(
        busybox + " not found (install Debian's busybox-static)");
  }
  const fs::path root(dir);
  RETURN_IF_ERROR(MakeLayout(busybox, root));
  ASSIGN_OR_RETURN(std::string applets,
                   RunCommandOk({busybox, "--list"}, std::chrono::seconds(10)));
  std::istringstream lines(applets);
  std::string applet;
  int linked = 0;
  while (std::getline(lines, applet)) {
    if (applet.empty() || applet == "busybox" ||
        applet.find('/') != std::string::npos) {
      continue;
    }
    fs::create_symlink("busybox", root / "bin" / applet, ec);
    if (ec) {
      return InternalError("cannot link bin/" + applet + ": " + ec.message());
    }
    ++linked;
  }
  if (!fs::exists(root / "bin/sh")) {
    return InternalError(busybox + " --list has no sh (" +
                         std::to_string(linked) + " applets)");
  }
  return OkStatus();
}

}  // namespace kiln
