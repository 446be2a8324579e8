// FakeSourceStore: an in-memory SourceStore for registry and handler tests.
// Digests are real SHA-256s of what was Put (or added by hand); Stat can be
// made to fail. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api_types/image_reference.h"
#include "controller/sources/archive_format.h"
#include "controller/sources/sha256.h"
#include "controller/sources/source_store.h"

namespace kiln {

class FakeSourceStore final : public SourceStore {
 public:
  // Records an archive with `digest` of `size` bytes uploaded into `ns`
  // ("" = visible in every namespace).
  void Add(const std::string& digest, int64_t size = 1,
           const std::string& ns = "") {
    std::lock_guard<std::mutex> lock(mu_);
    sizes_[digest] = size;
    grants_.insert({ns, digest});
  }
  // Stat returns `status` (not OK) until cleared with std::nullopt.
  void FailStat(std::optional<Status> status) {
    std::lock_guard<std::mutex> lock(mu_);
    stat_error_ = std::move(status);
  }
  int stat_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return stat_calls_;
  }

  StatusOr<SourceInfo> Stat(std::string_view ns,
                            std::string_view digest) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++stat_calls_;
    if (stat_error_) return *stat_error_;
    if (!IsSha256Digest(digest)) return InvalidArgumentError("bad digest");
    auto it = sizes_.find(std::string(digest));
    const std::string d(digest);
    if (it == sizes_.end() ||
        (!grants_.count({std::string(ns), d}) && !grants_.count({"", d}))) {
      return NotFoundError("source not found");
    }
    return SourceInfo{it->first, it->second};
  }

  StatusOr<SourcePutResult> Put(std::string_view ns,
                                std::string_view archive) override {
    if (archive.empty()) return InvalidArgumentError("empty");
    RETURN_IF_ERROR(CheckArchiveFormat(archive.substr(0, kArchiveSniffBytes)));
    ASSIGN_OR_RETURN(std::string digest, Sha256Digest(archive));
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t size = static_cast<int64_t>(archive.size());
    const bool created = sizes_.emplace(digest, size).second;
    grants_.insert({std::string(ns), digest});
    return SourcePutResult{SourceInfo{digest, size}, created};
  }

  std::string Path(std::string_view digest) const override {
    return "/fake-sources/" + std::string(digest.substr(7));
  }

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> sizes_;
  std::set<std::pair<std::string, std::string>> grants_;  // (ns, digest)
  std::optional<Status> stat_error_;
  int stat_calls_ = 0;
};

}  // namespace kiln
