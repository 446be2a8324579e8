// Reading `-f FILE|DIR|-` the way kubectl does: a file is a YAML or JSON
// stream of one or more documents ("---"); a directory contributes its
// *.yaml, *.yml and *.json files in name order (with `recursive`, those of
// its subdirectories too); "-" is standard input. Errors name the file and
// the line.
//
// Thread-compatible.
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "api_types/status.h"
#include "api_types/yaml_codec.h"

namespace kiln::kilnctl {

struct Manifest {
  std::string file;  // as given, or "-" for standard input
  YamlDocument doc;
  // "FILE" or "FILE: document N" for messages.
  std::string Name() const;
  // " (FILE line L, column C)" for a field path ("spec.resources.cpus"),
  // "" when the field has no position.
  std::string Where(const std::string& field) const;
};

// Loads every document of every path, in order. InvalidArgument naming the
// file (and line) for unreadable YAML, NotFound for a missing path, and
// InvalidArgument for a directory without manifests.
StatusOr<std::vector<Manifest>> LoadManifests(
    const std::vector<std::string>& paths, bool recursive, std::istream& in);

}  // namespace kiln::kilnctl
