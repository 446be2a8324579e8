// FileSourceStore: a SourceStore over one directory (kilnd's
// DATA_DIR/sources): the archive with digest sha256:<hex> is the file <hex>,
// which is what the build reconciler hands kiln-agent; the empty file
// grants/<namespace>/<hex> says it was uploaded into that namespace. Uploads
// are written to ".upload-*" temporaries first. A file's mtime records its
// last use (upload or lookup), for DeleteUnused.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "api_types/status.h"
#include "controller/base/clock.h"
#include "controller/base/mutex.h"
#include "controller/sources/source_store.h"

namespace kiln {

class FileSourceStore final : public SourceStore {
 public:
  // Uses (and creates, when missing) `dir`. `clock` stamps uses and must
  // outlive the store. Unavailable when the directory cannot be created.
  static StatusOr<std::unique_ptr<FileSourceStore>> Open(std::string dir,
                                                         Clock& clock);

  StatusOr<SourceInfo> Stat(std::string_view ns,
                            std::string_view digest) override EXCLUDES(mu_);
  StatusOr<SourcePutResult> Put(std::string_view ns,
                                std::string_view archive) override
      EXCLUDES(mu_);
  std::string Path(std::string_view digest) const override;

  // Garbage collection: deletes every archive whose digest is not in
  // `referenced` ("sha256:<hex>" strings, e.g. the digests of all existing
  // Builds) and that was last used before `unused_since`, and leftover
  // upload temporaries older than that, with every namespace's grant of
  // it. Returns how many archives and temporaries it deleted;
  // Internal when the directory cannot be read (files that cannot be
  // deleted are skipped and retried on the next call).
  StatusOr<size_t> DeleteUnused(
      const std::set<std::string>& referenced,
      std::chrono::system_clock::time_point unused_since) EXCLUDES(mu_);

 private:
  FileSourceStore(std::string dir, Clock& clock)
      : dir_(std::move(dir)), clock_(clock) {}

  // Writes `archive` to a new temporary file in dir_ and fsyncs it; returns
  // its path.
  StatusOr<std::string> WriteTemp(std::string_view archive);
  // Sets the mtime of `path` to now. Internal on failure.
  Status MarkUsed(const std::string& path) REQUIRES(mu_);
  // grants/<ns>/<hex> for `digest`.
  std::string GrantPath(std::string_view ns, std::string_view digest) const;
  // Creates the grant of `digest` to `ns` (durably). Internal on failure.
  Status Grant(std::string_view ns, std::string_view digest) REQUIRES(mu_);
  // Removes every namespace's grant of the archive named `hex`.
  void RevokeAll(const std::string& hex) REQUIRES(mu_);

  const std::string dir_;
  Clock& clock_;
  // Orders uses (Stat, Put of an existing archive) against DeleteUnused's
  // check-then-delete, so a use either comes first (and the archive is kept)
  // or sees the archive gone.
  Mutex mu_;
};

}  // namespace kiln
