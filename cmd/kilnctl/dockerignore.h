// .dockerignore rules with the semantics Docker and BuildKit give them
// (moby/patternmatcher and its ignorefile.ReadAll), so `kilnctl build DIR`
// sends the same files `docker build DIR` would.
//
// File syntax, line by line (LF or CRLF, a UTF-8 BOM is dropped):
//   - a line whose first byte is '#' is a comment (" #x" is a pattern);
//   - surrounding whitespace is trimmed, blank lines are skipped;
//   - a leading '!' makes an exception that re-includes what it matches;
//   - each pattern is cleaned like Go's filepath.Clean ("a//b/./c/" is
//     "a/b/c", "a/../b" is "b") and a leading "/" is dropped.
// Pattern syntax, matched against slash-separated paths relative to the
// context root:
//   - `*` any run of characters except '/', `?` one character except '/';
//   - `[a-z]`, `[^a-z]` (negated) one character in / not in the class, with
//     `\` escapes inside; an unclosed or inverted class is an error;
//   - `**` any number of directories (including none), `dir/**` everything
//     below dir, `**/name` name at any depth;
//   - `\c` the character c literally.
// Two corners differ on purpose: Docker hands `\c` and the text inside
// `[...]` to Go's regexp engine, so there `\d` is any digit and `[*]` is a
// broken class; here they follow filepath.Match (a literal 'd', the
// character '*'). An inverted range such as `[z-a]`, which Docker accepts
// when parsing and fails on at match time, is a parse error here.
// A path is excluded when the last pattern matching it or one of its parent
// directories is not an exception, so a pattern that matches a directory
// excludes everything below it unless a later "!" pattern re-includes it.
//
// Immutable after Parse: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api_types/status.h"

namespace kiln::kilnctl {

namespace dockerignore_internal {
struct Pattern;  // one compiled line; defined in dockerignore.cc
}  // namespace dockerignore_internal

class DockerIgnore {
 public:
  // No patterns: excludes nothing.
  DockerIgnore();
  ~DockerIgnore();
  DockerIgnore(const DockerIgnore&);
  DockerIgnore& operator=(const DockerIgnore&);
  DockerIgnore(DockerIgnore&&) noexcept;
  DockerIgnore& operator=(DockerIgnore&&) noexcept;

  // Parses the text of a .dockerignore file. InvalidArgument
  // "line N: ..." for a malformed pattern (an unclosed or inverted `[...]`,
  // a trailing `\`, a lone "!"). Keeps no reference to `text`.
  static StatusOr<DockerIgnore> Parse(std::string_view text);

  // True when `path` (relative to the context root, slash-separated; it is
  // cleaned first) is excluded. "" and "." are never excluded.
  bool Excluded(std::string_view path) const;

  // For a directory that Excluded(): false when no "!" pattern can
  // re-include anything below `dir`, so a walker may skip it whole; true
  // when one might (conservatively: an exception with `**` or a class that
  // can match '/' always says true), so the walker must descend and ask
  // Excluded() about each entry below it.
  bool MayReincludeBelow(std::string_view dir) const;

  // The cleaned patterns in file order, exceptions with their '!'.
  std::vector<std::string> Patterns() const;

 private:
  std::vector<dockerignore_internal::Pattern> patterns_;
};

}  // namespace kiln::kilnctl
