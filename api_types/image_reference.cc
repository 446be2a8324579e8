#include "api_types/image_reference.h"

#include <string>

namespace kiln {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Built with append: `"\"" + std::string(s)` trips GCC 12's false -Wrestrict
// at -O3 (GCC bug 105329).
std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  out.append(s);
  out.push_back('"');
  return out;
}

// domain-component := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
bool IsDomainComponent(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

// host [":" port], host a dotted domain name or a bracketed IPv6 address.
bool IsDomain(std::string_view domain) {
  std::string_view host = domain;
  if (const size_t colon = domain.rfind(':');
      colon != std::string_view::npos &&
      domain.find(']', colon) == std::string_view::npos) {
    const std::string_view port = domain.substr(colon + 1);
    if (port.empty()) return false;
    for (char c : port) {
      if (!IsDigit(c)) return false;
    }
    host = domain.substr(0, colon);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsHex(c) && c != ':') return false;
    }
    return true;
  }
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    if (!IsDomainComponent(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// [a-z0-9]+ (([._]|__|-+) [a-z0-9]+)*, given only lowercase characters.
bool IsPathComponent(std::string_view s) {
  size_t i = 0;
  while (true) {
    const size_t run_start = i;
    while (i < s.size() && IsLowerAlnum(s[i])) ++i;
    if (i == run_start) return false;  // separator not followed by alnum
    if (i == s.size()) return true;
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      i += (i + 1 < s.size() && s[i + 1] == '_') ? 2 : 1;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

// Returns "" when `path` is valid, else what is wrong with it.
std::string PathProblem(std::string_view path) {
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty()) return "empty path component";
    for (char c : part) {
      if (c >= 'A' && c <= 'Z') {
        return "path component " + Quote(part) + " must be lowercase";
      }
    }
    if (!IsPathComponent(part)) {
      return "path component " + Quote(part) +
             " must match [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*";
    }
    if (slash == std::string_view::npos) return "";
    start = slash + 1;
  }
}

bool IsTag(std::string_view tag) {
  if (tag.empty() || tag.size() > kImageTagMaxLength || !IsWord(tag[0])) {
    return false;
  }
  for (char c : tag) {
    if (!IsWord(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool LooksLikeDomain(std::string_view first) {
  return first.find_first_of(".:") != std::string_view::npos ||
         first == "localhost";
}

}  // namespace

std::string ImageReference::ToString() const {
  std::string out;
  if (!domain.empty()) out += domain + "/";
  out += path;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

StatusOr<ImageReference> ParseImageReference(std::string_view text) {
  auto fail = [text](const std::string& what) {
    return InvalidArgumentError("invalid image reference " + Quote(text) +
                                ": " + what);
  };
  if (text.empty()) return fail("must not be empty");
  ImageReference ref;
  std::string_view name = text;
  if (const size_t at = name.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(name.substr(at + 1));
    name = name.substr(0, at);
    if (!IsSha256Digest(ref.digest)) {
      return fail("digest " + Quote(ref.digest) +
                  " must be \"sha256:\" followed by 64 lowercase hex digits");
    }
  }
  const size_t last_slash = name.rfind('/');
  const size_t tag_colon =
      name.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
  if (tag_colon != std::string_view::npos) {
    ref.tag = std::string(name.substr(tag_colon + 1));
    name = name.substr(0, tag_colon);
    if (!IsTag(ref.tag)) {
      return fail("tag " + Quote(ref.tag) +
                  " must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    }
  }
  if (name.empty()) return fail("repository name must not be empty");
  if (name.size() > kImageNameMaxLength) {
    return fail("repository name must be no more than " +
                std::to_string(kImageNameMaxLength) + " characters");
  }
  std::string_view path = name;
  if (const size_t slash = name.find('/');
      slash != std::string_view::npos &&
      LooksLikeDomain(name.substr(0, slash))) {
    ref.domain = std::string(name.substr(0, slash));
    path = name.substr(slash + 1);
    if (!IsDomain(ref.domain)) {
      return fail("domain " + Quote(ref.domain) +
                  " must be a host name or [IPv6] address, with an optional "
                  "numeric :port");
    }
  }
  if (std::string problem = PathProblem(path); !problem.empty()) {
    return fail(problem);
  }
  ref.path = std::string(path);
  return ref;
}

bool IsSha256Digest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  if (digest.size() != kPrefix.size() + 64 ||
      digest.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  for (char c : digest.substr(kPrefix.size())) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace kiln
