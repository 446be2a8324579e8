// Parses GNU tar's verbose listing (`LC_ALL=C tar --list --verbose
// --numeric-owner --absolute-names --quoting-style=c`): quoted names make
// link targets unambiguous, and --absolute-names shows "/" and "../" as
// stored instead of stripping them. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"

namespace kiln {

struct TarEntry {
  // '-' regular file, 'd' directory, 'l' symlink, 'h' hard link, or the
  // type letter tar printed for anything else ('c', 'b', 'p', ...).
  char type = '-';
  std::string name;         // as stored in the archive (unquoted)
  std::string link_target;  // for 'l' and 'h'
  uint64_t size = 0;        // bytes of content, as the listing states
  friend bool operator==(const TarEntry&, const TarEntry&) = default;
};

// Parses one listing line, e.g.
//   lrwxrwxrwx 0/0  0 2024-01-01 00:00 "./d/l" -> "../a b"
// InvalidArgument when the line is not in that format.
StatusOr<TarEntry> ParseTarListingLine(std::string_view line);

// Parses a whole listing. Empty lines and tar's own diagnostics ("tar: ...",
// which a merged stderr puts among the entries) are skipped.
StatusOr<std::vector<TarEntry>> ParseTarListing(std::string_view listing);

}  // namespace kiln
