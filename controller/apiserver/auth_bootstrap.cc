#include "controller/apiserver/auth_bootstrap.h"

#include <filesystem>
#include <string>
#include <vector>

#include "controller/apiserver/auth_tokens.h"
#include "controller/apiserver/user_info.h"
#include "controller/base/files.h"
#include "controller/base/hex.h"

namespace kiln {
namespace {

constexpr char kTokenFileHeader[] =
    "# Kiln static tokens: token,user,uid,\"group1,group2\" (Kubernetes\n"
    "# --token-auth-file format). Keep this file private (mode 0600).\n";

StatusOr<BootstrapResult> CreateTokenFile(const std::string& path) {
  BootstrapResult result;
  result.token_file = path;
  result.created = true;
  ASSIGN_OR_RETURN(result.admin_token, GenerateToken());
  ASSIGN_OR_RETURN(result.controller_token, GenerateToken());
  const TokenRecord admin{result.admin_token,
                          {kAdminUserName, "kiln-admin", {kAdminGroup}}};
  const TokenRecord controller{
      result.controller_token,
      {kControllerUserName, kControllerUserName, {kControllerGroup}}};
  const std::string text = std::string(kTokenFileHeader) +
                           FormatTokenRecord(admin) +
                           FormatTokenRecord(controller);
  RETURN_IF_ERROR(WriteFileAtomically(path, text, kPrivateFileMode));
  return result;
}

const TokenRecord* FindAdmin(const std::vector<TokenRecord>& records) {
  const TokenRecord* first = nullptr;
  for (const TokenRecord& record : records) {
    if (!record.user.InGroup(kAdminGroup)) continue;
    if (record.user.name == kAdminUserName) return &record;
    if (first == nullptr) first = &record;
  }
  return first;
}

const TokenRecord* FindController(const std::vector<TokenRecord>& records) {
  for (const TokenRecord& record : records) {
    if (record.user.InGroup(kControllerGroup)) return &record;
  }
  return nullptr;
}

Status MissingGroupError(const std::string& path, const char* group) {
  return FailedPreconditionError(
      "token file " + path + " has no token for group " + group +
      "; add one, or delete the file to have a new one generated");
}

StatusOr<BootstrapResult> ReuseTokenFile(const std::string& path,
                                         const std::string& text) {
  StatusOr<std::vector<TokenRecord>> records = ParseTokenRecords(text);
  Status status = records.status();
  if (status.ok()) status = TokenTable::FromRecords(*records).status();
  if (!status.ok()) return status.WithPrefix("token file " + path);
  const TokenRecord* admin = FindAdmin(*records);
  const TokenRecord* controller = FindController(*records);
  if (admin == nullptr) return MissingGroupError(path, kAdminGroup);
  if (controller == nullptr) return MissingGroupError(path, kControllerGroup);
  return BootstrapResult{path, admin->token, controller->token, false};
}

}  // namespace

StatusOr<std::string> GenerateToken() {
  StatusOr<std::string> token = RandomHex(32);
  if (!token.ok()) return token.status().WithPrefix("cannot generate a token");
  return token;
}

StatusOr<BootstrapResult> EnsureAuthFiles(const std::string& token_file) {
  const std::filesystem::path dir =
      std::filesystem::path(token_file).parent_path();
  RETURN_IF_ERROR(EnsurePrivateDirectory(dir.empty() ? "." : dir.string()));
  const std::string& path = token_file;
  StatusOr<std::string> text = ReadWholeFile(path);
  if (text.ok()) return ReuseTokenFile(path, *text);
  if (text.status().code() != StatusCode::kNotFound) return text.status();
  return CreateTokenFile(path);
}

}  // namespace kiln
