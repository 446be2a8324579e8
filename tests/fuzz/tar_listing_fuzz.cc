// An uploaded source archive as the agent checks it before extracting:
// ParseTarListing of tar's verbose listing, then CheckTarEntries. Whatever
// passes must stay under the root, checked lexically with std::filesystem:
// names normalize to relative paths without "..", symlink targets resolve
// below the root, hard link targets normalize. ValidateInlinePath (inline
// source file names) is checked on every name too.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cmd/kiln-agent/archive_source.h"
#include "cmd/kiln-agent/path_safety.h"
#include "cmd/kiln-agent/tar_listing.h"
#include "tests/fuzz/fuzz_check.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

// True when `path` is relative and, lexically normalized, does not climb
// above its start.
bool StaysBelow(const fs::path& path) {
  if (path.is_absolute()) return false;
  const fs::path normal = path.lexically_normal();
  return normal.empty() || *normal.begin() != "..";
}

void CheckAccepted(const TarEntry& entry) {
  const StatusOr<std::string> name = NormalizeArchivePath(entry.name);
  fuzz::Check(name.ok() && StaysBelow(*name), "accepted name escapes");
  const StatusOr<std::string> again = NormalizeArchivePath(*name);
  fuzz::Check(again.ok() && *again == *name, "normalizing is not idempotent");
  if (entry.type == 'l' && !name->empty()) {
    const fs::path dir = fs::path(*name).parent_path();
    fuzz::Check(StaysBelow(dir / entry.link_target),
                "accepted symlink escapes: " + entry.link_target);
  }
  if (entry.type == 'h') {
    fuzz::Check(StaysBelow(entry.link_target), "accepted hard link escapes");
  }
}

void CheckNames(const std::vector<TarEntry>& entries) {
  for (const TarEntry& entry : entries) {
    if (!ValidateInlinePath(entry.name).ok()) continue;
    // A valid inline path is already normal.
    const StatusOr<std::string> name = NormalizeArchivePath(entry.name);
    fuzz::Check(name.ok() && *name == entry.name,
                "valid inline path is not normal");
  }
}

}  // namespace
}  // namespace kiln

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kiln::TarEntry;
  const kiln::StatusOr<std::vector<TarEntry>> entries =
      kiln::ParseTarListing(kiln::fuzz::AsText(data, size));
  if (!kiln::fuzz::CheckClientError(entries, "ParseTarListing")) return 0;
  kiln::CheckNames(*entries);
  const kiln::Status checked = kiln::CheckTarEntries(*entries);
  kiln::fuzz::CheckClientError(checked, "CheckTarEntries");
  if (!checked.ok()) return 0;
  for (const TarEntry& entry : *entries) kiln::CheckAccepted(entry);
  return 0;
}
