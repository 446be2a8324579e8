// Static bearer tokens in the Kubernetes --token-auth-file format:
//
//   # comment
//   31ada4fd-adec-460c-809a-9e56ceb75269,alice,1001,"kiln:users,team-web"
//   0d1b...,kiln-controller,kiln-controller,kiln:controllers
//
// One record per line: token, user name, uid, then optionally one field of
// comma-separated group names (quote it when it holds more than one group).
// Blank lines and lines starting with '#' are skipped. Unlike Kubernetes,
// more than four fields, an empty token or user name and duplicate tokens
// are errors rather than warnings: they are almost always mistakes.
//
// Tokens are secrets: no error message, log line or debug string produced
// here contains one.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"
#include "controller/apiserver/user_info.h"

namespace kiln {

// One line of a token file.
struct TokenRecord {
  std::string token;
  UserInfo user;
  int line = 0;  // 1-based line number in the file; 0 when not from a file
};

// Parses token-file text into records, in file order. Returns
// InvalidArgument "line N: ..." for a malformed line (too few/many fields,
// bad quoting, empty token or user name). Does not check for duplicates.
StatusOr<std::vector<TokenRecord>> ParseTokenRecords(std::string_view text);

// Renders `record` as one token-file line (with '\n'), quoting fields that
// need it. REQUIRES: no field contains a newline.
std::string FormatTokenRecord(const TokenRecord& record);

// Maps tokens to users. Stores only the SHA-256 of each token, so a dump of
// the process memory in this table does not reveal tokens, and lookups
// compare digests in constant time.
//
// Immutable after construction; thread-safe for concurrent Find calls.
class TokenTable {
 public:
  TokenTable() = default;

  // Builds a table from `records`. InvalidArgument naming both lines when
  // two records carry the same token.
  static StatusOr<TokenTable> FromRecords(
      const std::vector<TokenRecord>& records);

  // The user `token` belongs to, or nullptr. The pointer stays valid for the
  // lifetime of the table.
  const UserInfo* Find(std::string_view token) const;

  size_t size() const { return users_.size(); }

 private:
  using Digest = std::array<uint8_t, 32>;
  static Digest HashToken(std::string_view token);

  std::map<Digest, UserInfo> users_;
};

// ParseTokenRecords + TokenTable::FromRecords.
StatusOr<TokenTable> ParseTokenFile(std::string_view text);

// Reads and parses the token file at `path`; errors are prefixed with
// "token file PATH". NotFound when the file does not exist.
StatusOr<TokenTable> LoadTokenFile(const std::string& path);

}  // namespace kiln
