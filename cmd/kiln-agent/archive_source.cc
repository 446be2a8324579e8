#include "cmd/kiln-agent/archive_source.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "cmd/kiln-agent/path_safety.h"
#include "cmd/kiln-agent/subprocess.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::string>& TarEnvironment() {
  static const auto* env =
      new std::map<std::string, std::string>{{"LC_ALL", "C"}};
  return *env;
}

// The first line of tar's complaint, for a one-line message.
std::string FirstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

bool IsBelow(const fs::path& path, const fs::path& root) {
  auto [root_end, path_it] =
      std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

}  // namespace

Status CheckTarEntries(const std::vector<TarEntry>& entries) {
  for (const TarEntry& entry : entries) {
    ASSIGN_OR_RETURN(std::string name, NormalizeArchivePath(entry.name));
    switch (entry.type) {
      case '-':
      case 'd':
        break;
      case 'l':
        if (SymlinkTargetEscapes(name, entry.link_target)) {
          return InvalidArgumentError("symlink \"" + entry.name +
                                      "\" points outside the source (\"" +
                                      entry.link_target + "\")");
        }
        break;
      case 'h': {
        Status target = NormalizeArchivePath(entry.link_target).status();
        if (!target.ok()) {
          return InvalidArgumentError(
              "hard link \"" + entry.name +
              "\" points outside the source: " + target.message());
        }
        break;
      }
      default:
        return InvalidArgumentError("\"" + entry.name +
                                    "\" is a special file (type '" +
                                    std::string(1, entry.type) +
                                    "'); only files, directories and links "
                                    "are allowed");
    }
  }
  return OkStatus();
}

Status CheckTreeStaysInside(const std::string& root) {
  std::error_code ec;
  const fs::path real_root = fs::canonical(root, ec);
  if (ec) return InternalError("resolve " + root + ": " + ec.message());
  for (auto it = fs::recursive_directory_iterator(real_root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_symlink(ec)) continue;
    const fs::path target = fs::read_symlink(it->path(), ec);
    if (ec) break;
    const fs::path resolved = fs::weakly_canonical(
        target.is_absolute() ? target : it->path().parent_path() / target, ec);
    if (ec) break;
    if (!IsBelow(resolved, real_root)) {
      return InvalidArgumentError(
          "symlink \"" + it->path().lexically_relative(real_root).string() +
          "\" resolves outside the source (\"" + target.string() + "\")");
    }
  }
  if (ec) return InternalError("walk " + root + ": " + ec.message());
  return OkStatus();
}

Status ExtractArchiveSource(const std::string& archive,
                            const std::string& root) {
  std::error_code ec;
  if (!fs::is_regular_file(archive, ec)) {
    return NotFoundError("source archive " + archive + " not found");
  }
  ASSIGN_OR_RETURN(
      CommandOutput listing,
      RunCommand({"tar", "--list", "--verbose", "--numeric-owner",
                  "--absolute-names", "--quoting-style=c", "-f", archive},
                 TarEnvironment()));
  if (listing.exit_code != 0) {
    return InvalidArgumentError("source archive is not a readable tar: " +
                                FirstLine(listing.output));
  }
  ASSIGN_OR_RETURN(std::vector<TarEntry> entries,
                   ParseTarListing(listing.output));
  RETURN_IF_ERROR(CheckTarEntries(entries));
  fs::create_directories(root, ec);
  if (ec) return InternalError("create " + root + ": " + ec.message());
  ASSIGN_OR_RETURN(
      CommandOutput extract,
      RunCommand({"tar", "--extract", "--no-same-owner",
                  "--no-same-permissions", "-f", archive, "-C", root},
                 TarEnvironment()));
  if (extract.exit_code != 0) {
    return InvalidArgumentError("extracting the source archive failed: " +
                                FirstLine(extract.output));
  }
  return CheckTreeStaysInside(root);
}

}  // namespace kiln
