#include "controller/apiserver/auth_tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controller/base/files.h"

namespace kiln {
namespace {

constexpr std::string_view kFieldBlanks = " \t";

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(kFieldBlanks);
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(kFieldBlanks);
  return s.substr(begin, end - begin + 1);
}

// Reads a quoted field starting at line[*pos] == '"'; leaves *pos after the
// closing quote. "" inside the field is one quote.
StatusOr<std::string> ReadQuotedField(std::string_view line, size_t* pos) {
  std::string field;
  for (size_t i = *pos + 1; i < line.size(); ++i) {
    if (line[i] != '"') {
      field.push_back(line[i]);
    } else if (i + 1 < line.size() && line[i + 1] == '"') {
      field.push_back('"');
      ++i;
    } else {
      *pos = i + 1;
      return field;
    }
  }
  return InvalidArgumentError("unterminated quoted field");
}

// Splits one CSV line (RFC 4180 quoting, blanks around fields ignored).
// Messages never quote the line: it holds a token.
StatusOr<std::vector<std::string>> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields;
  size_t pos = 0;
  for (;;) {
    while (pos < line.size() &&
           kFieldBlanks.find(line[pos]) != kFieldBlanks.npos)
      ++pos;
    if (pos < line.size() && line[pos] == '"') {
      ASSIGN_OR_RETURN(std::string field, ReadQuotedField(line, &pos));
      fields.push_back(std::move(field));
      while (pos < line.size() &&
             kFieldBlanks.find(line[pos]) != kFieldBlanks.npos) {
        ++pos;
      }
      if (pos < line.size() && line[pos] != ',') {
        return InvalidArgumentError("unexpected text after quoted field " +
                                    std::to_string(fields.size()));
      }
    } else {
      const size_t comma = std::min(line.find(',', pos), line.size());
      const std::string_view field = Trim(line.substr(pos, comma - pos));
      if (field.find('"') != std::string_view::npos) {
        return InvalidArgumentError("bare '\"' in unquoted field " +
                                    std::to_string(fields.size() + 1));
      }
      fields.emplace_back(field);
      pos = comma;
    }
    if (pos >= line.size()) return fields;
    ++pos;  // the comma
  }
}

std::vector<std::string> SplitGroups(std::string_view field) {
  std::vector<std::string> groups;
  size_t pos = 0;
  while (pos <= field.size()) {
    const size_t comma = std::min(field.find(',', pos), field.size());
    const std::string_view group = Trim(field.substr(pos, comma - pos));
    if (!group.empty()) groups.emplace_back(group);
    pos = comma + 1;
  }
  return groups;
}

StatusOr<TokenRecord> ParseRecord(std::string_view line, int line_number) {
  ASSIGN_OR_RETURN(std::vector<std::string> fields, SplitCsvLine(line));
  if (fields.size() < 3 || fields.size() > 4) {
    return InvalidArgumentError(
        "expected 3 or 4 fields (token,user,uid[,\"group1,group2\"]), got " +
        std::to_string(fields.size()) +
        (fields.size() > 4 ? " (quote a list of groups)" : ""));
  }
  if (fields[0].empty()) return InvalidArgumentError("empty token");
  if (fields[1].empty()) return InvalidArgumentError("empty user name");
  TokenRecord record;
  record.token = std::move(fields[0]);
  record.user.name = std::move(fields[1]);
  record.user.uid = std::move(fields[2]);
  if (fields.size() == 4) record.user.groups = SplitGroups(fields[3]);
  record.line = line_number;
  return record;
}

bool NeedsQuotes(std::string_view field) {
  return field.empty() || field.find_first_of(",\"") != field.npos ||
         field.front() == '#' ||
         kFieldBlanks.find(field.front()) != kFieldBlanks.npos ||
         kFieldBlanks.find(field.back()) != kFieldBlanks.npos;
}

std::string CsvField(std::string_view field) {
  if (!NeedsQuotes(field)) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

StatusOr<std::vector<TokenRecord>> ParseTokenRecords(std::string_view text) {
  std::vector<TokenRecord> records;
  int line_number = 0;
  while (!text.empty()) {
    const size_t eol = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(std::min(eol + 1, text.size()));
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string_view content = Trim(line);
    if (content.empty() || content.front() == '#') continue;
    StatusOr<TokenRecord> record = ParseRecord(line, line_number);
    if (!record.ok()) {
      return record.status().WithPrefix("line " + std::to_string(line_number));
    }
    records.push_back(std::move(record).value());
  }
  return records;
}

std::string FormatTokenRecord(const TokenRecord& record) {
  std::string line = CsvField(record.token) + "," + CsvField(record.user.name) +
                     "," + CsvField(record.user.uid);
  if (!record.user.groups.empty()) {
    std::string groups;
    for (const std::string& group : record.user.groups) {
      if (!groups.empty()) groups += ",";
      groups += group;
    }
    line += "," + CsvField(groups);
  }
  return line + "\n";
}

TokenTable::Digest TokenTable::HashToken(std::string_view token) {
  Digest digest{};
  unsigned int size = 0;
  // EVP_Digest with SHA-256 cannot fail short of memory exhaustion, and then
  // the all-zero digest matches no stored token.
  EVP_Digest(token.data(), token.size(), digest.data(), &size, EVP_sha256(),
             nullptr);
  return digest;
}

StatusOr<TokenTable> TokenTable::FromRecords(
    const std::vector<TokenRecord>& records) {
  TokenTable table;
  std::map<Digest, int> lines;
  for (const TokenRecord& record : records) {
    const Digest digest = HashToken(record.token);
    auto [it, inserted] = lines.emplace(digest, record.line);
    if (!inserted) {
      return InvalidArgumentError("line " + std::to_string(record.line) +
                                  ": duplicate token (the same token as line " +
                                  std::to_string(it->second) + ")");
    }
    table.users_.emplace(digest, record.user);
  }
  return table;
}

const UserInfo* TokenTable::Find(std::string_view token) const {
  const Digest digest = HashToken(token);
  // The map search compares digests, not tokens: its timing reveals nothing
  // an attacker can steer towards a valid token. The final comparison is
  // constant-time anyway.
  auto it = users_.lower_bound(digest);
  if (it == users_.end() ||
      CRYPTO_memcmp(it->first.data(), digest.data(), digest.size()) != 0) {
    return nullptr;
  }
  return &it->second;
}

StatusOr<TokenTable> ParseTokenFile(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<TokenRecord> records, ParseTokenRecords(text));
  return TokenTable::FromRecords(records);
}

StatusOr<TokenTable> LoadTokenFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  StatusOr<TokenTable> table = ParseTokenFile(text);
  if (!table.ok()) return table.status().WithPrefix("token file " + path);
  return table;
}

}  // namespace kiln
