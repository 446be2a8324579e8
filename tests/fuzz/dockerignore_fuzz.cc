// `.dockerignore` as kilnctl build reads it: DockerIgnore::Parse, then
// Excluded and MayReincludeBelow on paths. Input: the file, then after a NUL
// byte one path per line. Checked: paths are cleaned first ("./p", "p/" and
// "p" agree); the context root is never excluded; and the walker's shortcut
// is sound: below an excluded directory for which MayReincludeBelow is
// false, every path is excluded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cmd/kilnctl/dockerignore.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    auto [line, rest] = kiln::fuzz::SplitOnce(text, '\n');
    lines.emplace_back(line);
    text = rest;
  }
  return lines;
}

// A path as the walker produces it: relative, no empty, "." or ".."
// components.
bool IsClean(const std::string& path) {
  if (path.empty()) return false;
  const std::string slashed = "/" + path + "/";
  return slashed.find("//") == std::string::npos &&
         slashed.find("/./") == std::string::npos &&
         slashed.find("/../") == std::string::npos;
}

bool StartsBelow(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() + 1 &&
         path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kiln::kilnctl::DockerIgnore;
  auto [file, paths_text] =
      kiln::fuzz::SplitOnce(kiln::fuzz::AsText(data, size), '\0');
  const kiln::StatusOr<DockerIgnore> ignore = DockerIgnore::Parse(file);
  if (!kiln::fuzz::CheckClientError(ignore, "DockerIgnore::Parse")) return 0;
  (void)ignore->Patterns();
  kiln::fuzz::Check(!ignore->Excluded("") && !ignore->Excluded("."),
                    "the context root is excluded");
  const std::vector<std::string> paths = Lines(paths_text);
  for (const std::string& path : paths) {
    const bool excluded = ignore->Excluded(path);
    if (!path.empty() && path[0] != '/') {
      kiln::fuzz::Check(ignore->Excluded("./" + path) == excluded &&
                            ignore->Excluded(path + "/") == excluded,
                        "cleaning changes the answer for " + path);
    }
    if (!excluded || !IsClean(path) || ignore->MayReincludeBelow(path)) {
      continue;
    }
    for (const std::string& below : paths) {
      if (!IsClean(below) || !StartsBelow(below, path)) continue;
      kiln::fuzz::Check(ignore->Excluded(below),
                        below + " is re-included below " + path +
                            " although MayReincludeBelow said no");
    }
  }
  return 0;
}
