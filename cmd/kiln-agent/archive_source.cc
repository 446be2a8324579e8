#include "cmd/kiln-agent/archive_source.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
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

namespace {

// Reads tar's listing of `archive` line by line, stopping tar as soon as the
// entries exceed `limits`.
StatusOr<std::vector<TarEntry>> ListWithinLimits(const std::string& archive,
                                                 const SourceLimits& limits) {
  ASSIGN_OR_RETURN(std::unique_ptr<Subprocess> tar,
                   Subprocess::Start(
                       {"tar", "--list", "--verbose", "--numeric-owner",
                        "--absolute-names", "--quoting-style=c", "-f", archive},
                       TarEnvironment()));
  std::vector<TarEntry> entries;
  uint64_t bytes = 0;
  std::string complaint;  // tar's first diagnostic line
  Status failed;
  tar->PumpLines([&](const std::string& line) {
    if (!failed.ok() || line.empty()) return;
    if (line.rfind("tar: ", 0) == 0) {
      if (complaint.empty()) complaint = line;
      return;
    }
    StatusOr<TarEntry> entry = ParseTarListingLine(line);
    if (!entry.ok()) {
      failed = entry.status();
    } else if (limits.max_entries > 0 && entries.size() >= limits.max_entries) {
      failed = InvalidArgumentError(
          "the source archive has more than " +
          std::to_string(limits.max_entries) +
          " entries (the limit; kilnd --source-max-entries)");
    } else if (bytes += entry->size;
               limits.max_bytes > 0 && bytes > limits.max_bytes) {
      failed = InvalidArgumentError(
          "the source archive unpacks to more than " +
          std::to_string(limits.max_bytes) +
          " bytes (the limit; kilnd --source-max-unpacked-bytes)");
    } else {
      entries.push_back(std::move(entry).value());
    }
    if (!failed.ok()) tar->Terminate(std::chrono::milliseconds(0));
  });
  const int exit_code = tar->Wait();
  RETURN_IF_ERROR(failed);
  if (exit_code != 0) {
    return InvalidArgumentError("source archive is not a readable tar: " +
                                complaint);
  }
  return entries;
}

Status ExtractChecked(const std::string& archive, const std::string& root,
                      const SourceLimits& limits) {
  ASSIGN_OR_RETURN(std::vector<TarEntry> entries,
                   ListWithinLimits(archive, limits));
  RETURN_IF_ERROR(CheckTarEntries(entries));
  std::error_code ec;
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

}  // namespace

Status ExtractArchiveSource(const std::string& archive, const std::string& root,
                            const SourceLimits& limits) {
  std::error_code ec;
  if (!fs::is_regular_file(archive, ec)) {
    return NotFoundError("source archive " + archive + " not found");
  }
  Status extracted = ExtractChecked(archive, root, limits);
  if (!extracted.ok()) fs::remove_all(root, ec);
  return extracted;
}

}  // namespace kiln
