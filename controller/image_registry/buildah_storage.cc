#include "controller/image_registry/buildah_storage.h"

#include <filesystem>
#include <fstream>

#include "controller/base/files.h"
#include "controller/base/subprocess.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ArgsFor(const fs::path& work_dir,
                                 const std::string& driver) {
  return {"--root",           (work_dir / ("storage-" + driver)).string(),
          "--runroot",        (work_dir / ("runroot-" + driver)).string(),
          "--storage-driver", driver};
}

// Opens the store with `driver` (buildah images initialises the driver).
Status Probe(const fs::path& work_dir, const std::string& driver) {
  std::vector<std::string> argv = {"buildah"};
  for (std::string& arg : ArgsFor(work_dir, driver)) argv.push_back(arg);
  argv.push_back("images");
  argv.push_back("--quiet");
  return RunCommandOk(argv, std::chrono::seconds(30)).status();
}

}  // namespace

StatusOr<std::vector<std::string>> BuildahStorageArgs(
    const std::string& work_dir) {
  std::error_code ec;
  const fs::path dir = fs::absolute(work_dir, ec);
  if (ec)
    return InternalError("bad work dir " + work_dir + ": " + ec.message());
  fs::create_directories(dir, ec);
  if (ec)
    return InternalError("cannot create " + work_dir + ": " + ec.message());
  const fs::path choice = dir / "storage-driver";
  std::string driver;
  if (std::ifstream in(choice); in >> driver && !driver.empty()) {
    return ArgsFor(dir, driver);
  }
  Status overlay = Probe(dir, "overlay");
  if (overlay.ok()) {
    driver = "overlay";
  } else if (Status vfs = Probe(dir, "vfs"); vfs.ok()) {
    driver = "vfs";
  } else {
    return InternalError("buildah storage: overlay: " + overlay.message() +
                         "; vfs: " + vfs.message());
  }
  RETURN_IF_ERROR(
      WriteFileAtomically(choice.string(), driver + "\n", kPublicFileMode));
  return ArgsFor(dir, driver);
}

}  // namespace kiln
