#include "cmd/kiln-agent/tar_listing.h"

namespace kiln {
namespace {

int OctalDigit(char c) { return c >= '0' && c <= '7' ? c - '0' : -1; }

// Reads a C-quoted string starting at line[*pos] == '"'; advances *pos past
// the closing quote.
StatusOr<std::string> ReadQuoted(std::string_view line, size_t* pos) {
  if (*pos >= line.size() || line[*pos] != '"') {
    return InvalidArgumentError("expected a quoted name");
  }
  std::string out;
  for (size_t i = *pos + 1; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      *pos = i + 1;
      return out;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= line.size()) break;
    const char e = line[i];
    if (OctalDigit(e) >= 0) {
      int value = 0;
      int digits = 0;
      for (; digits < 3 && i < line.size() && OctalDigit(line[i]) >= 0;
           ++digits, ++i) {
        value = value * 8 + OctalDigit(line[i]);
      }
      --i;
      out += static_cast<char>(value);
      continue;
    }
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case 'b':
        out += '\b';
        break;
      case 'a':
        out += '\a';
        break;
      default:
        out += e;
        break;  // \\ \" \? and anything tar adds later
    }
  }
  return InvalidArgumentError("unterminated quoted name");
}

// The size column of a listing line: the third whitespace-separated field
// ("-rw-r--r-- 0/0 1234 2024-01-01 00:00 \"x\""). Device entries print
// "MAJOR,MINOR" there; they count as 0 (CheckTarEntries refuses them).
StatusOr<uint64_t> ReadSize(std::string_view head) {
  size_t pos = 0;
  const auto skip_field = [&] {
    while (pos < head.size() && head[pos] != ' ') ++pos;
    while (pos < head.size() && head[pos] == ' ') ++pos;
  };
  skip_field();  // mode
  skip_field();  // uid/gid
  const size_t start = pos;
  uint64_t size = 0;
  for (; pos < head.size() && head[pos] >= '0' && head[pos] <= '9'; ++pos) {
    const uint64_t digit = static_cast<uint64_t>(head[pos] - '0');
    if (size > (UINT64_MAX - digit) / 10) {
      return InvalidArgumentError("tar listing: size out of range");
    }
    size = size * 10 + digit;
  }
  if (pos == start) {
    return InvalidArgumentError("tar listing: no size in: " +
                                std::string(head.substr(0, 80)));
  }
  return pos < head.size() && head[pos] == ',' ? 0 : size;
}

}  // namespace

StatusOr<TarEntry> ParseTarListingLine(std::string_view line) {
  const size_t quote = line.find('"');
  if (line.empty() || quote == std::string_view::npos) {
    return InvalidArgumentError("unexpected tar listing line: " +
                                std::string(line));
  }
  TarEntry entry;
  entry.type = line.front();
  ASSIGN_OR_RETURN(entry.size, ReadSize(line.substr(0, quote)));
  size_t pos = quote;
  ASSIGN_OR_RETURN(entry.name, ReadQuoted(line, &pos));
  const std::string_view rest = line.substr(pos);
  if (entry.type == 'l' || entry.type == 'h') {
    const std::string_view sep = entry.type == 'l' ? " -> " : " link to ";
    if (rest.substr(0, sep.size()) != sep) {
      return InvalidArgumentError("tar listing: no link target in: " +
                                  std::string(line));
    }
    pos += sep.size();
    ASSIGN_OR_RETURN(entry.link_target, ReadQuoted(line, &pos));
  }
  return entry;
}

StatusOr<std::vector<TarEntry>> ParseTarListing(std::string_view listing) {
  std::vector<TarEntry> entries;
  size_t start = 0;
  while (start < listing.size()) {
    size_t nl = listing.find('\n', start);
    if (nl == std::string_view::npos) nl = listing.size();
    const std::string_view line = listing.substr(start, nl - start);
    start = nl + 1;
    if (line.empty() || line.substr(0, 5) == "tar: ") continue;
    ASSIGN_OR_RETURN(TarEntry entry, ParseTarListingLine(line));
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace kiln
