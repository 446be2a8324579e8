// SourceStore: uploaded build sources (tar / tar.gz archives), addressed by
// the SHA-256 of their bytes. The bytes are stored once, but each namespace
// sees only the archives uploaded into it: a digest is a name anyone can
// learn, the upload is the proof of holding the content (so a namespace can
// neither read another's sources nor learn which ones exist). The API server
// writes them (POST .../sources) and checks that a Build's
// spec.source.archive.digest names one of its namespace's; the build
// reconciler hands Path(digest) to kiln-agent, which extracts it.
//
// Thread-safe (implementations must be).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

struct SourceInfo {
  std::string digest;  // "sha256:<64 lowercase hex>"
  int64_t size = 0;    // bytes
};

struct SourcePutResult {
  SourceInfo info;
  // False when an archive with the same digest was already stored (it is
  // kept as it was: uploads are idempotent).
  bool created = false;
};

class SourceStore {
 public:
  SourceStore() = default;
  virtual ~SourceStore() = default;
  SourceStore(const SourceStore&) = delete;
  SourceStore& operator=(const SourceStore&) = delete;

  // The stored archive with `digest`. A lookup counts as a use (it restarts
  // the archive's unused-for clock, see FileSourceStore::DeleteUnused), so a
  // Build admitted after a successful Stat does not lose its source to a
  // concurrent garbage collection. InvalidArgument for a malformed digest,
  // NotFound when no such archive is stored, Internal on I/O errors.
  // NotFound too when the archive exists but was never uploaded into
  // namespace `ns`; InvalidArgument when `ns` is not a DNS-1123 label.
  virtual StatusOr<SourceInfo> Stat(std::string_view ns,
                                    std::string_view digest) = 0;

  // Stores `archive` durably (written, fsynced, then linked into place under
  // its digest: a reader never sees a partial archive). Does not keep a
  // reference to `archive`. InvalidArgument when it is empty or not a tar /
  // tar.gz / tar.xz / tar.bz2 (CheckArchiveFormat); Unavailable when the disk
  // is full (nothing is left behind), Internal on other I/O errors. The archive
  // becomes visible to namespace `ns` (InvalidArgument when it is not a
  // DNS-1123 label); `created` says whether the bytes were new.
  virtual StatusOr<SourcePutResult> Put(std::string_view ns,
                                        std::string_view archive) = 0;

  // The file the archive with `digest` is (or would be) stored in.
  // REQUIRES: IsSha256Digest(digest).
  virtual std::string Path(std::string_view digest) const = 0;
};

}  // namespace kiln
