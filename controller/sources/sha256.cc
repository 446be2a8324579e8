#include "controller/sources/sha256.h"

#include <openssl/evp.h>

#include "controller/base/hex.h"

namespace kiln {
namespace {

EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

}  // namespace

StatusOr<std::unique_ptr<Sha256>> Sha256::Create() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return InternalError("EVP_MD_CTX_new failed");
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx);
    return InternalError("EVP_DigestInit_ex(sha256) failed");
  }
  return std::unique_ptr<Sha256>(new Sha256(ctx));
}

Sha256::~Sha256() { EVP_MD_CTX_free(Ctx(ctx_)); }

Status Sha256::Update(std::string_view data) {
  if (EVP_DigestUpdate(Ctx(ctx_), data.data(), data.size()) != 1) {
    return InternalError("EVP_DigestUpdate failed");
  }
  return OkStatus();
}

StatusOr<std::string> Sha256::Finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(Ctx(ctx_), md, &len) != 1) {
    return InternalError("EVP_DigestFinal_ex failed");
  }
  return "sha256:" +
         HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

StatusOr<std::string> Sha256Digest(std::string_view data) {
  ASSIGN_OR_RETURN(std::unique_ptr<Sha256> hash, Sha256::Create());
  RETURN_IF_ERROR(hash->Update(data));
  return hash->Finish();
}

}  // namespace kiln
