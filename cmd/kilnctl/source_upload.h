// Sending a local directory as a build's source: pack it (source_archive.h:
// a deterministic tar honouring .dockerignore), ask kilnd whether it already
// has that digest (GET …/sources/sha256:HEX), and upload it only if not
// (POST …/sources), with a progress bar on a terminal.
//
// Thread-compatible.
#pragma once

#include <string>

#include "api_types/status.h"
#include "cmd/kilnctl/session.h"

namespace kiln::kilnctl {

struct UploadedSource {
  std::string digest;  // "sha256:<hex>"
  int64_t size = 0;
  int64_t files = 0;
  bool uploaded = false;  // false: the server already had it
};

// `dir` (and `dockerfile`, relative to it) → an uploaded archive in `ns`.
// Progress and a summary line go to session.io().err.
StatusOr<UploadedSource> UploadSource(Session& session, const std::string& ns,
                                      const std::string& dir,
                                      const std::string& dockerfile);

}  // namespace kiln::kilnctl
