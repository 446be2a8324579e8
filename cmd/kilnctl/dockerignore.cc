#include "cmd/kilnctl/dockerignore.h"

#include <algorithm>
#include <utility>

namespace kiln::kilnctl {
namespace dockerignore_internal {

// One element of a compiled glob: a literal code point, a wildcard or a
// character class.
struct Token {
  enum class Kind {
    kLiteral,  // `ch`
    kAnyOne,   // `?`: one code point but '/'
    kStar,     // `*`: any run without '/'
    kAnyRun,   // trailing `**`: any run
    kAnyDirs,  // inner `**`: "" or any run ending in '/'
    kClass,    // `[...]`: one code point in (or, negated, not in) `ranges`
  };
  explicit Token(Kind k, char32_t c = 0) : kind(k), ch(c) {}

  Kind kind;
  char32_t ch;
  bool negated = false;
  std::vector<std::pair<char32_t, char32_t>> ranges;  // inclusive
};

struct Pattern {
  // How the pattern is matched, decided as patternmatcher's compile() does:
  // plain string comparisons for literal patterns with a leading or
  // trailing `**` (whose quirks, e.g. "**file" matching "myfile", are
  // Docker's too), the glob engine otherwise.
  enum class Type { kExact, kPrefix, kSuffix, kGlob };
  std::string text;  // cleaned, without the '!'
  bool exception = false;
  Type type = Type::kExact;
  std::string literal;        // kExact: text; kPrefix/kSuffix: minus "**"
  std::vector<Token> tokens;  // kGlob
};

}  // namespace dockerignore_internal

namespace {

using dockerignore_internal::Pattern;
using dockerignore_internal::Token;
using Type = Pattern::Type;
using Kind = Token::Kind;

// Code points of `text`; an invalid UTF-8 byte b becomes 0x110000 + b, which
// only matches itself (Go's scanner would read it as U+FFFD).
constexpr char32_t kInvalidByteBase = 0x110000;

std::vector<char32_t> Decode(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    size_t len = b < 0x80         ? 1
                 : (b >> 5) == 6  ? 2
                 : (b >> 4) == 14 ? 3
                 : (b >> 3) == 30 ? 4
                                  : 0;
    char32_t cp = len == 1 ? b : len == 2 ? b & 0x1f : b & (0x7f >> len);
    bool valid = len != 0 && i + len <= text.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      valid = (c & 0xc0) == 0x80;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (!valid) {
      out.push_back(kInvalidByteBase + b);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

// Go's unicode.IsSpace, which strings.TrimSpace uses.
bool IsSpace(char32_t c) {
  return (c >= '\t' && c <= '\r') || c == ' ' || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

size_t Utf8Length(char32_t c) {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

std::string_view TrimSpace(std::string_view s) {
  const std::vector<char32_t> cps = Decode(s);
  size_t begin = 0, end = s.size();
  for (size_t i = 0; i < cps.size() && IsSpace(cps[i]); ++i) {
    begin += Utf8Length(cps[i]);
  }
  for (size_t i = cps.size(); i > 0 && end > begin && IsSpace(cps[i - 1]);
       --i) {
    end -= Utf8Length(cps[i - 1]);
  }
  return s.substr(begin, end - begin);
}

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t slash; (slash = s.find('/', start)) != s.npos;
       start = slash + 1) {
    parts.push_back(s.substr(start, slash - start));
  }
  parts.push_back(s.substr(start));
  return parts;
}

// Go's path.Clean: collapses "//", drops "." and "dir/.." pairs and a
// trailing '/'; "" becomes ".".
std::string Clean(std::string_view path) {
  const bool rooted = !path.empty() && path.front() == '/';
  std::vector<std::string_view> out;
  for (std::string_view part : Split(path)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!out.empty() && out.back() != "..") {
        out.pop_back();
      } else if (!rooted) {
        out.push_back(part);
      }
      continue;
    }
    out.push_back(part);
  }
  std::string cleaned = rooted ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) cleaned += '/';
    cleaned += out[i];
  }
  return cleaned.empty() ? "." : cleaned;
}

// One class member or range end, as filepath.Match's getEsc reads it.
StatusOr<char32_t> ClassChar(const std::vector<char32_t>& cps, size_t& i) {
  if (i >= cps.size() || cps[i] == '-' || cps[i] == ']') {
    return InvalidArgumentError("malformed character class");
  }
  if (cps[i] == '\\' && ++i >= cps.size()) {
    return InvalidArgumentError("unclosed character class");
  }
  const char32_t c = cps[i++];
  if (c >= kInvalidByteBase) {
    return InvalidArgumentError("invalid UTF-8 in character class");
  }
  if (i >= cps.size()) return InvalidArgumentError("unclosed character class");
  return c;
}

// `[...]` with `i` just past the '['; leaves `i` past the ']'.
StatusOr<Token> ParseClass(const std::vector<char32_t>& cps, size_t& i) {
  Token token(Kind::kClass);
  if (i < cps.size() && cps[i] == '^') {
    token.negated = true;
    ++i;
  }
  while (!(i < cps.size() && cps[i] == ']' && !token.ranges.empty())) {
    ASSIGN_OR_RETURN(char32_t lo, ClassChar(cps, i));
    char32_t hi = lo;
    if (cps[i] == '-') {
      ++i;
      ASSIGN_OR_RETURN(hi, ClassChar(cps, i));
    }
    // Docker's regexp engine refuses these when it first matches.
    if (hi < lo) return InvalidArgumentError("inverted character range");
    token.ranges.emplace_back(lo, hi);
  }
  ++i;
  return token;
}

// Compiles a cleaned pattern (without '!'): validates it as filepath.Match
// would and picks the match type as patternmatcher's compile() does.
Status Compile(Pattern& p) {
  const std::vector<char32_t> cps = Decode(p.text);
  p.type = Type::kExact;
  for (size_t i = 0; i < cps.size();) {
    const bool first = i == 0;
    const char32_t c = cps[i++];
    if (c == '*' && i < cps.size() && cps[i] == '*') {
      ++i;
      if (i < cps.size() && cps[i] == '/') ++i;
      if (i < cps.size()) {
        p.tokens.emplace_back(Kind::kAnyDirs);
        p.type = Type::kGlob;
      } else if (p.type == Type::kExact) {
        p.type = Type::kPrefix;
      } else {
        p.tokens.emplace_back(Kind::kAnyRun);
        p.type = Type::kGlob;
      }
      if (first) p.type = Type::kSuffix;
      continue;
    }
    Token token(Kind::kLiteral, c);
    if (c == '*') {
      token.kind = Kind::kStar;
    } else if (c == '?') {
      token.kind = Kind::kAnyOne;
    } else if (c == '\\') {
      if (i >= cps.size()) return InvalidArgumentError("trailing backslash");
      token.ch = cps[i++];
    } else if (c == '[') {
      ASSIGN_OR_RETURN(token, ParseClass(cps, i));
    } else if (c != ']') {
      p.tokens.push_back(token);
      continue;  // a plain literal keeps the type
    }
    p.tokens.push_back(std::move(token));
    p.type = Type::kGlob;
  }
  if (p.type == Type::kExact) p.literal = p.text;
  if (p.type == Type::kPrefix) p.literal = p.text.substr(0, p.text.size() - 2);
  if (p.type == Type::kSuffix) p.literal = p.text.substr(2);
  return OkStatus();
}

bool InClass(const Token& t, char32_t c) {
  for (const auto& [lo, hi] : t.ranges) {
    if (lo <= c && c <= hi) return !t.negated;
  }
  return t.negated;
}

// True when `t` can consume a '/'.
bool CrossesSlash(const Token& t) {
  return t.kind == Kind::kAnyRun || t.kind == Kind::kAnyDirs ||
         (t.kind == Kind::kClass && InClass(t, '/'));
}

// Follows the empty-match edges of `*` and `**` forward.
void Close(const std::vector<Token>& tokens, std::vector<char>& at) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Kind k = tokens[i].kind;
    if (at[i] &&
        (k == Kind::kStar || k == Kind::kAnyRun || k == Kind::kAnyDirs)) {
      at[i + 1] = 1;
    }
  }
}

// Whole-string match of `tokens` against `text`, by NFA simulation (no
// backtracking, so no pathological patterns). State "at i": before token
// i; "in i": inside an inner `**` that still owes its closing '/'.
bool MatchTokens(const std::vector<Token>& tokens,
                 const std::vector<char32_t>& text) {
  const size_t n = tokens.size();
  std::vector<char> at(n + 1), in(n + 1), next_at(n + 1), next_in(n + 1);
  at[0] = 1;
  Close(tokens, at);
  for (char32_t c : text) {
    std::fill(next_at.begin(), next_at.end(), 0);
    std::fill(next_in.begin(), next_in.end(), 0);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      const Token& t = tokens[i];
      if (in[i] || (at[i] && t.kind == Kind::kAnyDirs)) {
        next_in[i] = 1;
        if (c == '/') next_at[i + 1] = 1;
        any = true;
      }
      if (!at[i]) continue;
      switch (t.kind) {
        case Kind::kLiteral:
          if (c == t.ch) next_at[i + 1] = any = true;
          break;
        case Kind::kAnyOne:
          if (c != '/') next_at[i + 1] = any = true;
          break;
        case Kind::kClass:
          if (InClass(t, c)) next_at[i + 1] = any = true;
          break;
        case Kind::kStar:
          if (c != '/') next_at[i] = any = true;
          break;
        case Kind::kAnyRun:
          next_at[i] = any = true;
          break;
        case Kind::kAnyDirs:
          break;  // handled above
      }
    }
    if (!any) return false;
    at.swap(next_at);
    in.swap(next_in);
    Close(tokens, at);
  }
  return at[n] != 0;
}

bool Matches(const Pattern& p, std::string_view path) {
  switch (p.type) {
    case Type::kExact:
      return path == p.literal;
    case Type::kPrefix:
      return path.starts_with(p.literal);
    case Type::kSuffix:
      return path.ends_with(p.literal) ||
             (p.literal.starts_with('/') &&
              path == std::string_view(p.literal).substr(1));
    case Type::kGlob:
      return MatchTokens(p.tokens, Decode(path));
  }
  return false;
}

// Whether exception `p` can match some path below directory `dir` (or,
// conservatively, `dir` or one of its parents).
bool CouldMatchBelow(const Pattern& p, const std::string& dir) {
  const std::string dir_slash = dir + "/";
  switch (p.type) {
    case Type::kExact:
      return p.literal.starts_with(dir_slash) ||
             dir_slash.starts_with(p.literal + "/");
    case Type::kPrefix:
      return p.literal.starts_with(dir_slash) ||
             dir_slash.starts_with(p.literal);
    case Type::kSuffix:
      return true;
    case Type::kGlob:
      break;
  }
  if (std::any_of(p.tokens.begin(), p.tokens.end(), CrossesSlash)) {
    return true;
  }
  // No token crosses a '/', so the pattern matches component by component.
  std::vector<std::vector<Token>> parts(1);
  for (const Token& t : p.tokens) {
    if (t.kind == Kind::kLiteral && t.ch == '/') {
      parts.emplace_back();
    } else {
      parts.back().push_back(t);
    }
  }
  const std::vector<std::string_view> dirs = Split(dir);
  for (size_t i = 0; i < parts.size() && i < dirs.size(); ++i) {
    if (!MatchTokens(parts[i], Decode(dirs[i]))) return false;
  }
  return true;
}

// One line as ignorefile.ReadAll and then patternmatcher.New treat it.
// Returns false for comments and blank lines.
StatusOr<bool> ParseLine(std::string_view line, Pattern& p) {
  if (line.starts_with('#')) return false;
  std::string_view trimmed = TrimSpace(line);
  if (trimmed.empty()) return false;
  const bool invert = trimmed.front() == '!';
  if (invert) trimmed = TrimSpace(trimmed.substr(1));
  std::string text(trimmed);
  if (!text.empty()) {
    text = Clean(text);
    if (text.size() > 1 && text.front() == '/') text.erase(0, 1);
  }
  if (invert) text.insert(0, "!");
  text = Clean(TrimSpace(text));
  if (text.front() == '!') {
    if (text.size() == 1) {
      return InvalidArgumentError("illegal exclusion pattern \"!\"");
    }
    p.exception = true;
    text.erase(0, 1);
  }
  p.text = std::move(text);
  Status compiled = Compile(p);
  if (!compiled.ok()) {
    return InvalidArgumentError("bad pattern \"" + p.text +
                                "\": " + compiled.message());
  }
  return true;
}

}  // namespace

DockerIgnore::DockerIgnore() = default;
DockerIgnore::~DockerIgnore() = default;
DockerIgnore::DockerIgnore(const DockerIgnore&) = default;
DockerIgnore& DockerIgnore::operator=(const DockerIgnore&) = default;
DockerIgnore::DockerIgnore(DockerIgnore&&) noexcept = default;
DockerIgnore& DockerIgnore::operator=(DockerIgnore&&) noexcept = default;

StatusOr<DockerIgnore> DockerIgnore::Parse(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  DockerIgnore ignore;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == text.npos ? text.size() : eol + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    Pattern pattern;
    StatusOr<bool> parsed = ParseLine(line, pattern);
    if (!parsed.ok()) {
      return parsed.status().WithPrefix("line " + std::to_string(line_number));
    }
    if (*parsed) ignore.patterns_.push_back(std::move(pattern));
  }
  return ignore;
}

bool DockerIgnore::Excluded(std::string_view path) const {
  const std::string file = Clean(path);
  if (file == ".") return false;
  // The parent directories, outermost first, as filepath.Dir and Split
  // give them to MatchesOrParentMatches.
  std::vector<std::string> parents;
  if (const size_t slash = file.rfind('/'); slash != file.npos) {
    const std::string parent = Clean(file.substr(0, slash + 1));
    std::string prefix;
    for (std::string_view part : Split(parent)) {
      if (!parents.empty()) prefix += '/';
      prefix += part;
      parents.push_back(prefix);
    }
  }
  bool excluded = false;
  for (const Pattern& p : patterns_) {
    // An include cannot change an excluded path, nor an exception an
    // included one.
    if (p.exception != excluded) continue;
    const bool match =
        Matches(p, file) ||
        std::any_of(parents.begin(), parents.end(),
                    [&](const std::string& dir) { return Matches(p, dir); });
    if (match) excluded = !p.exception;
  }
  return excluded;
}

bool DockerIgnore::MayReincludeBelow(std::string_view dir) const {
  const std::string cleaned = Clean(dir);
  return std::any_of(patterns_.begin(), patterns_.end(), [&](const Pattern& p) {
    return p.exception && CouldMatchBelow(p, cleaned);
  });
}

std::vector<std::string> DockerIgnore::Patterns() const {
  std::vector<std::string> out;
  out.reserve(patterns_.size());
  for (const Pattern& p : patterns_) {
    out.push_back(p.exception ? "!" + p.text : p.text);
  }
  return out;
}

}  // namespace kiln::kilnctl
