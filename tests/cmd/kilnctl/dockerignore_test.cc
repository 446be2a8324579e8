#include "cmd/kilnctl/dockerignore.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/status_matchers.h"

namespace kiln::kilnctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Parses `lines` joined by '\n'; fails the test on a parse error.
DockerIgnore MustParse(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  StatusOr<DockerIgnore> ignore = DockerIgnore::Parse(text);
  EXPECT_THAT(ignore, IsOk()) << text;
  return ignore.ok() ? *std::move(ignore) : DockerIgnore();
}

struct MatchCase {
  std::string pattern;
  std::string path;
  bool excluded;
};

// Cases from moby/patternmatcher's TestMatches (MatchesOrParentMatches),
// with its "inexact" rows (matched through a parent) as excluded.
TEST(DockerIgnoreTest, MatchesLikePatternMatcher) {
  const std::vector<MatchCase> cases = {
      {"**", "file", true},
      {"**", "file/", true},
      {"**/", "file", true},
      {"**/", "file/", true},
      {"**", "/", true},
      {"**", "dir/file", true},
      {"**/", "dir/file", true},
      {"**/**", "dir/file", true},
      {"**/**", "dir/file/", true},
      {"dir/**", "dir/file", true},
      {"dir/**", "dir/dir2/file", true},
      {"**/dir", "dir", true},
      {"**/dir", "dir/file", true},
      {"**/dir2/*", "dir/dir2/file", true},
      {"**/dir2/*", "dir/dir2/file/", true},
      {"**/dir2/**", "dir/dir2/dir3/file", true},
      {"**file", "file", true},
      {"**file", "dir/file", true},
      {"**/file", "dir/file", true},
      {"**file", "dir/dir/file", true},
      {"**/file", "dir/dir/file", true},
      {"**/file*", "dir/dir/file", true},
      {"**/file*", "dir/dir/file.txt", true},
      {"**/file*txt", "dir/dir/file.txt", true},
      {"**/file*.txt", "dir/dir/file.txt", true},
      {"**/file*.txt*", "dir/dir/file.txt", true},
      {"**/**/*.txt", "dir/dir/file.txt", true},
      {"**/**/*.txt2", "dir/dir/file.txt", false},
      {"**/*.txt", "file.txt", true},
      {"**/**/*.txt", "file.txt", true},
      {"a**/*.txt", "a/file.txt", true},
      {"a**/*.txt", "a/dir/file.txt", true},
      {"a**/*.txt", "a/dir/dir/file.txt", true},
      {"a/*.txt", "a/dir/file.txt", false},
      {"a/*.txt", "a/file.txt", true},
      {"a/*.txt**", "a/file.txt", true},
      {"a[b-d]e", "ae", false},
      {"a[b-d]e", "ace", true},
      {"a[b-d]e", "aae", false},
      {"a[^b-d]e", "aze", true},
      {".*", ".foo", true},
      {".*", "foo", false},
      {"abc.def", "abcdef", false},
      {"abc.def", "abc.def", true},
      {"abc.def", "abcZdef", false},
      {"abc?def", "abcZdef", true},
      {"abc?def", "abcdef", false},
      {"**/foo/bar", "foo/bar", true},
      {"**/foo/bar", "dir/foo/bar", true},
      {"**/foo/bar", "dir/dir2/foo/bar", true},
      {"abc/**", "abc", false},
      {"abc/**", "abc/def", true},
      {"abc/**", "abc/def/ghi", true},
      {"**/.foo", ".foo", true},
      {"**/.foo", "bar.foo", false},
      {"a(b)c/def", "a(b)c/def", true},
      {"a(b)c/def", "a(b)c/xyz", false},
      {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
      {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
       true},
      {"a\\\\", "a\\", true},
      {"a\\*b", "a*b", true},
      // Docker's literal fast path: "**file" is a plain suffix test.
      {"**file", "myfile", true},
  };
  for (const MatchCase& c : cases) {
    DockerIgnore ignore = MustParse({c.pattern});
    EXPECT_EQ(ignore.Excluded(c.path), c.excluded)
        << "pattern " << c.pattern << " path " << c.path;
  }
}

// Cases from Go's filepath.Match tests, as patternmatcher's TestMatch runs
// them (a match of a parent directory counts).
TEST(DockerIgnoreTest, MatchesLikeFilepathMatch) {
  const std::vector<MatchCase> cases = {
      {"abc", "abc", true},
      {"*", "abc", true},
      {"*c", "abc", true},
      {"a*", "a", true},
      {"a*", "abc", true},
      {"a*", "ab/c", true},
      {"a*/b", "abc/b", true},
      {"a*/b", "a/c/b", false},
      {"a*b*c*d*e*/f", "axbxcxdxe/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
      {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
      {"a*b*c*d*e*/f", "axbxcxdxexxx/fff", false},
      {"a*b?c*x", "abxbbxdbxebxczzx", true},
      {"a*b?c*x", "abxbbxdbxebxczzy", false},
      {"ab[c]", "abc", true},
      {"ab[b-d]", "abc", true},
      {"ab[e-g]", "abc", false},
      {"ab[^c]", "abc", false},
      {"ab[^b-d]", "abc", false},
      {"ab[^e-g]", "abc", true},
      {"a\\*b", "a*b", true},
      {"a\\*b", "ab", false},
      {"a?b", "a\u263Ab", true},
      {"a[^a]b", "a\u263Ab", true},
      {"a???b", "a\u263Ab", false},
      {"a[^a][^a][^a]b", "a\u263Ab", false},
      {"[a-\u03B6]*", "\u03B1", true},
      {"*[a-\u03B6]", "A", false},
      {"a?b", "a/b", false},
      {"a*b", "a/b", false},
      {"[\\]a]", "]", true},
      {"[\\-]", "-", true},
      {"[x\\-]", "x", true},
      {"[x\\-]", "-", true},
      {"[x\\-]", "z", false},
      {"[\\-x]", "x", true},
      {"[\\-x]", "-", true},
      {"[\\-x]", "a", false},
      {"*x", "xxx", true},
  };
  for (const MatchCase& c : cases) {
    DockerIgnore ignore = MustParse({c.pattern});
    EXPECT_EQ(ignore.Excluded(c.path), c.excluded)
        << "pattern " << c.pattern << " path " << c.path;
  }
}

TEST(DockerIgnoreTest, RejectsMalformedPatternsNamingTheLine) {
  for (const char* bad : {"[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[",
                          "[^", "[^bc", "a[", "!", "! ", "[z-a]"}) {
    EXPECT_THAT(DockerIgnore::Parse(std::string("ok\n# c\n") + bad + "\n"),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("line 3")))
        << bad;
  }
  EXPECT_THAT(DockerIgnore::Parse("x\n[oops\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("line 2: bad pattern \"[oops\"")));
}

// Docker accepts an inverted range when parsing and fails on every match
// (moby issue 52203); refusing it at parse time is kinder.
TEST(DockerIgnoreTest, RejectsInvertedRange) {
  EXPECT_THAT(DockerIgnore::Parse("[Local-Only]/\n"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("line 1")));
}

// ignorefile.ReadAll's test file.
TEST(DockerIgnoreTest, ReadsLinesLikeIgnorefile) {
  DockerIgnore ignore =
      MustParse({"test1", "/test2", "/a/file/here", "", "lastfile",
                 "# this is a comment", "! /inverted/abs/path"});
  EXPECT_THAT(ignore.Patterns(), ElementsAre("test1", "test2", "a/file/here",
                                             "lastfile", "!inverted/abs/path"));
}

TEST(DockerIgnoreTest, CleansTrimsAndHandlesCommentsBomAndCrlf) {
  ASSERT_OK_AND_ASSIGN(DockerIgnore ignore,
                       DockerIgnore::Parse("\xEF\xBB\xBF# comment\r\n"
                                           "  spaced/  \r\n"
                                           "\t\r\n"
                                           "a//b/./c/../d/\r\n"
                                           " # not a comment\n"
                                           "/\n"
                                           "last"));
  EXPECT_THAT(ignore.Patterns(),
              ElementsAre("spaced", "a/b/d", "# not a comment", "/", "last"));
  EXPECT_TRUE(ignore.Excluded("spaced/x"));
  EXPECT_TRUE(ignore.Excluded("a/b/d"));
  EXPECT_TRUE(ignore.Excluded("# not a comment"));
  EXPECT_TRUE(ignore.Excluded("last"));
  EXPECT_FALSE(ignore.Excluded("a/b/c"));
}

TEST(DockerIgnoreTest, EmptyExcludesNothing) {
  ASSERT_OK_AND_ASSIGN(DockerIgnore ignore, DockerIgnore::Parse(""));
  EXPECT_THAT(ignore.Patterns(), IsEmpty());
  EXPECT_FALSE(ignore.Excluded("anything"));
  EXPECT_FALSE(DockerIgnore().Excluded("x"));
  EXPECT_FALSE(MustParse({"*"}).Excluded("."));
  EXPECT_FALSE(MustParse({"*"}).Excluded(""));
}

TEST(DockerIgnoreTest, CleansTheQueriedPath) {
  DockerIgnore ignore = MustParse({"a/b"});
  EXPECT_TRUE(ignore.Excluded("./a//b/"));
  EXPECT_TRUE(ignore.Excluded("a/x/../b/c"));
}

// patternmatcher's exclusion tests: the last matching pattern wins.
TEST(DockerIgnoreTest, LastMatchWins) {
  EXPECT_TRUE(MustParse({"!fileutils.go", "*.go"}).Excluded("fileutils.go"));
  EXPECT_FALSE(MustParse({"*.go", "!fileutils.go"}).Excluded("fileutils.go"));
  EXPECT_FALSE(
      MustParse({"docs", "!docs/README.md"}).Excluded("docs/README.md"));
  EXPECT_FALSE(
      MustParse({"docs/", "!docs/README.md"}).Excluded("docs/README.md"));
  EXPECT_FALSE(
      MustParse({"docs/*", "!docs/README.md"}).Excluded("docs/README.md"));
  EXPECT_FALSE(
      MustParse({"**", "!util/docker/web"}).Excluded("util/docker/web/foo"));
  EXPECT_TRUE(MustParse({"**", "!util/docker/web", "util/docker/web/foo"})
                  .Excluded("util/docker/web/foo"));
  EXPECT_FALSE(
      MustParse({"**", "!dist/*.whl"})
          .Excluded("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"));
}

TEST(DockerIgnoreTest, DirectoryPatternExcludesEverythingBelow) {
  DockerIgnore ignore = MustParse({"node_modules", "build/*", "!build/keep"});
  EXPECT_TRUE(ignore.Excluded("node_modules"));
  EXPECT_TRUE(ignore.Excluded("node_modules/a/b/c.js"));
  EXPECT_FALSE(ignore.Excluded("src/node_modules_not"));
  EXPECT_FALSE(ignore.Excluded("build"));
  EXPECT_TRUE(ignore.Excluded("build/out"));
  EXPECT_TRUE(ignore.Excluded("build/out/x"));
  EXPECT_FALSE(ignore.Excluded("build/keep"));
  EXPECT_FALSE(ignore.Excluded("build/keep/x"));
}

TEST(DockerIgnoreTest, ExceptionReincludesChildOfExcludedDirectory) {
  DockerIgnore ignore =
      MustParse({"vendor", "!vendor/keep.txt", "!vendor/sub/*.go"});
  EXPECT_TRUE(ignore.Excluded("vendor"));
  EXPECT_FALSE(ignore.Excluded("vendor/keep.txt"));
  EXPECT_TRUE(ignore.Excluded("vendor/other.txt"));
  EXPECT_FALSE(ignore.Excluded("vendor/sub/a.go"));
  EXPECT_TRUE(ignore.Excluded("vendor/sub/a.c"));
  EXPECT_TRUE(ignore.MayReincludeBelow("vendor"));
  EXPECT_TRUE(ignore.MayReincludeBelow("vendor/sub"));
  EXPECT_FALSE(ignore.MayReincludeBelow("vendor/other"));
}

TEST(DockerIgnoreTest, MayReincludeBelowIsFalseWithoutMatchingExceptions) {
  EXPECT_FALSE(MustParse({"a"}).MayReincludeBelow("a"));
  DockerIgnore ignore = MustParse({"*", "!src", "!docs/*.md", "!lib/**"});
  EXPECT_FALSE(ignore.MayReincludeBelow("node_modules"));
  EXPECT_FALSE(ignore.MayReincludeBelow("srcx"));
  EXPECT_TRUE(ignore.MayReincludeBelow("docs"));
  EXPECT_FALSE(ignore.MayReincludeBelow("docs/sub"));  // `*` stops at '/'
  EXPECT_TRUE(ignore.MayReincludeBelow("lib"));
  EXPECT_TRUE(ignore.MayReincludeBelow("lib/deep/er"));
  EXPECT_FALSE(ignore.MayReincludeBelow("li"));
}

TEST(DockerIgnoreTest, MayReincludeBelowIsConservativeForDoubleStar) {
  DockerIgnore ignore = MustParse({"*", "!**/*.go", "!a[^x]b/c"});
  EXPECT_TRUE(ignore.MayReincludeBelow("anything"));
  EXPECT_TRUE(ignore.Excluded("anything/x.c"));
  EXPECT_FALSE(ignore.Excluded("anything/deep/x.go"));
}

TEST(DockerIgnoreTest, WildcardsDoNotCrossSlashButNegatedClassesDo) {
  EXPECT_FALSE(MustParse({"a?b"}).Excluded("a/b"));
  EXPECT_FALSE(MustParse({"a*b"}).Excluded("a/b"));
  // Docker compiles `[^x]` to a regexp class, which matches '/'.
  EXPECT_TRUE(MustParse({"a[^x]b"}).Excluded("a/b"));
}

TEST(DockerIgnoreTest, ManyStarsDoNotBacktrackForever) {
  DockerIgnore ignore = MustParse({"a*a*a*a*a*a*a*a*a*a*a*a*a*b"});
  EXPECT_FALSE(ignore.Excluded(std::string(5000, 'a')));
  EXPECT_TRUE(ignore.Excluded(std::string(5000, 'a') + "b"));
}

}  // namespace
}  // namespace kiln::kilnctl
