// Packs a local build context into the tar that kilnctl uploads to the
// server's content-addressed sources endpoint (`spec.source.path: DIR`,
// `kilnctl build DIR`), the way `docker build DIR` sends its context.
//
// The archive is deterministic: the same tree gives the same bytes, hence
// the same digest, whatever the mtimes, owners, umask, inode numbers or
// readdir order, so re-applying unchanged sources can skip the upload. Each
// member has mtime 0, uid/gid 0, no user or group names, and mode 0755
// (directories, and files with any execute bit) or 0644 (other files);
// entries are in depth-first order with names sorted bytewise; hard links
// are stored as separate files.
//
// Thread-compatible: PackSource has no shared state; concurrent calls need
// distinct output paths.
#pragma once

#include <cstdint>
#include <string>

#include "api_types/status.h"

namespace kiln::kilnctl {

inline constexpr char kDefaultDockerfile[] = "Dockerfile";

struct SourceArchive {
  std::string path;         // the tar written (PackSource's out_path)
  std::string digest;       // "sha256:<64 hex>" of the tar's bytes
  uint64_t size_bytes = 0;  // size of the tar
  uint64_t file_count = 0;  // regular files and symlinks (not directories)
};

// Writes a tar of directory `dir` to `out_path` (created or truncated) and
// returns what it wrote.
//
// What goes in: everything below `dir` that DIR/.dockerignore (see
// dockerignore.h) does not exclude, plus the Dockerfile and .dockerignore
// themselves even when excluded (as docker sends them) and the parent
// directories of anything kept. Regular files, directories and symlinks are
// stored; a symlink is stored as a link, never followed. Sockets are
// skipped silently, as docker does. `out_path` itself is never packed.
//
// `dockerfile` is the Dockerfile's path relative to `dir` ("" means
// kDefaultDockerfile).
//
// Returns InvalidArgument when: `dir` is not a
// directory; `dockerfile` is absolute or leaves `dir` (".."), or
// DIR/DOCKERFILE is missing ("DIR/Dockerfile: no such file; pass -f ...")
// or not a regular file; DIR/.dockerignore is malformed (the message names
// it and the line); the server would refuse the archive: a kept symlink
// whose target is absolute or resolves outside `dir`, or a kept FIFO or
// device node (the server accepts only files, directories and links —
// exclude them in .dockerignore); a kept file cannot be read or changes
// while it is packed. Internal when `out_path` cannot be created: it must
// not exist (O_EXCL, no symlink followed); the file is made mode 0600. On any
// error `out_path` is removed (the checks of `dir`, the Dockerfile and
// .dockerignore run before it is created). Keeps no references.
StatusOr<SourceArchive> PackSource(const std::string& dir,
                                   const std::string& dockerfile,
                                   const std::string& out_path);

}  // namespace kiln::kilnctl
