// SHA-256 through OpenSSL EVP, as "sha256:<lower-case hex>" digests (source
// uploads, kiln-agent provenance). Thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

class Sha256 {
 public:
  // Internal when OpenSSL cannot provide SHA-256.
  static StatusOr<std::unique_ptr<Sha256>> Create();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Internal on OpenSSL failure.
  Status Update(std::string_view data);
  // "sha256:<hex>". The hasher must not be used afterwards.
  StatusOr<std::string> Finish();

 private:
  explicit Sha256(void* ctx) : ctx_(ctx) {}
  void* ctx_;  // EVP_MD_CTX*, kept out of this header
};

// "sha256:<hex>" of `data`.
StatusOr<std::string> Sha256Digest(std::string_view data);

}  // namespace kiln
