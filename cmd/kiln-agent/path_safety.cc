#include "cmd/kiln-agent/path_safety.h"

#include <vector>

namespace kiln {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos
                                           ? std::string_view::npos
                                           : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string Quoted(std::string_view path) {
  return "\"" + std::string(path) + "\"";
}

}  // namespace

Status ValidateInlinePath(std::string_view path) {
  if (path.empty()) return InvalidArgumentError("empty path");
  if (path.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("path " + Quoted(path) + " contains NUL");
  }
  if (path.front() == '/') {
    return InvalidArgumentError("path " + Quoted(path) + " is absolute");
  }
  for (std::string_view part : Split(path)) {
    if (part.empty() || part == ".") {
      return InvalidArgumentError("path " + Quoted(path) +
                                  " has an empty or \".\" component");
    }
    if (part == "..") {
      return InvalidArgumentError("path " + Quoted(path) +
                                  " has a \"..\" component");
    }
  }
  return OkStatus();
}

StatusOr<std::string> NormalizeArchivePath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("path " + Quoted(path) + " contains NUL");
  }
  if (!path.empty() && path.front() == '/') {
    return InvalidArgumentError("path " + Quoted(path) + " is absolute");
  }
  std::string out;
  for (std::string_view part : Split(path)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return InvalidArgumentError("path " + Quoted(path) +
                                  " has a \"..\" component");
    }
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

bool SymlinkTargetEscapes(std::string_view link, std::string_view target) {
  if (target.empty() || target.front() == '/') return true;
  // Depth of the link's directory below the root.
  int depth = 0;
  for (std::string_view part : Split(link)) {
    if (!part.empty() && part != ".") ++depth;
  }
  --depth;  // the last component is the link itself
  for (std::string_view part : Split(target)) {
    if (part.empty() || part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) return true;
  }
  return false;
}

}  // namespace kiln
