// The provenance digest of a build's source tree. Thread-compatible.
#pragma once

#include <string>

#include "api_types/status.h"

namespace kiln {

// "sha256:<hex>" over a canonical encoding of the tree below `root`: every
// entry (directories, regular files, symlinks; `root` itself excluded) in
// byte order of its relative path, each encoded as
//
//   <type> <mode> <len>:<relative path> <len>:<content>\n
//
// type 'd' / 'f' / 'l'; mode "755" for directories and executable files
// (any x bit), "644" for other files, "777" for symlinks — normalized the
// way git does, because extraction modes depend on the umask; content is
// the file bytes, the link target, or empty for directories. Lengths make
// the encoding unambiguous. Independent of timestamps, owners and the
// order files were written in. InvalidArgument for special files (fifos,
// devices); Internal on I/O errors.
StatusOr<std::string> SourceTreeDigest(const std::string& root);

}  // namespace kiln
