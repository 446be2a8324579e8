#include "cmd/kilnctl/source_archive.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace kiln::kilnctl {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::TempDir;

void WriteFile(const std::string& path, const std::string& content,
               mode_t mode = 0644) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  fs::permissions(path, static_cast<fs::perms>(mode));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs argv (PATH lookup, no shell) with LC_ALL=C and collects its output.
RunResult RunCommand(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"env", "LC_ALL=C", "TZ=UTC"});
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  pid_t pid = -1;
  RunResult result;
  const int err =
      posix_spawnp(&pid, "env", &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) {
    result.output.append(buf, n);
  }
  close(fds[0]);
  if (err != 0) return result;
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The member names, in archive order.
std::vector<std::string> Names(const std::string& tar) {
  RunResult list = RunCommand({"tar", "-tf", tar});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  return Lines(list.output);
}

// `tar -tvf` lines, in archive order.
std::vector<std::string> Verbose(const std::string& tar) {
  RunResult list = RunCommand({"tar", "-tvf", tar, "--numeric-owner"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  return Lines(list.output);
}

// PackSource into `out_path`, which must not exist: a previous one is
// removed first (kilnctl packs into a fresh private directory).
StatusOr<SourceArchive> Pack(const std::string& dir,
                             const std::string& out_path,
                             const std::string& dockerfile = "") {
  std::error_code ec;
  fs::remove(out_path, ec);
  return PackSource(dir, dockerfile, out_path);
}

// Issue 12 item 9: the archive is created, never reused: a file or a symlink
// planted at its path is refused (and left alone), and it is mode 0600.
TEST(PackSourceTest, CreatesAPrivateArchiveAndNeverFollowsAPlantedPath) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  WriteFile(src + "/Dockerfile", "FROM scratch\n");
  const std::string out = tmp.Sub("out.tar");
  ASSERT_OK(PackSource(src, "", out));
  struct stat st {};
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EXPECT_THAT(PackSource(src, "", out),
              StatusIs(StatusCode::kInternal, HasSubstr("File exists")));
  WriteFile(tmp.Sub("victim"), "precious");
  fs::create_symlink(tmp.Sub("victim"), tmp.Sub("planted.tar"));
  EXPECT_THAT(PackSource(src, "", tmp.Sub("planted.tar")),
              StatusIs(StatusCode::kInternal));
  EXPECT_EQ(ReadFile(tmp.Sub("victim")), "precious");
  EXPECT_TRUE(fs::is_symlink(tmp.Sub("planted.tar")));
}

TEST(PackSourceTest, StoresSortedFilesDirectoriesAndSymlinks) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  WriteFile(src + "/Dockerfile", "FROM scratch\n");
  WriteFile(src + "/b/z.txt", "z");
  WriteFile(src + "/b/a.txt", "a");
  WriteFile(src + "/run.sh", "#!/bin/sh\n", 0700);
  fs::create_directories(src + "/empty");
  fs::create_symlink("b/a.txt", src + "/link");
  const std::string out = tmp.Sub("out.tar");

  ASSERT_OK_AND_ASSIGN(SourceArchive archive, Pack(src, out));
  EXPECT_EQ(archive.path, out);
  EXPECT_EQ(archive.file_count, 5u);
  EXPECT_EQ(archive.size_bytes, fs::file_size(out));
  EXPECT_THAT(Names(out), ElementsAre("Dockerfile", "b/", "b/a.txt", "b/z.txt",
                                      "empty/", "link", "run.sh"));
  const std::vector<std::string> verbose = Verbose(out);
  ASSERT_EQ(verbose.size(), 7u);
  EXPECT_THAT(verbose[0], HasSubstr("-rw-r--r-- 0/0"));
  EXPECT_THAT(verbose[0], HasSubstr("1970-01-01 00:00 Dockerfile"));
  EXPECT_THAT(verbose[1], HasSubstr("drwxr-xr-x 0/0"));
  EXPECT_THAT(verbose[5], HasSubstr("lrwxrwxrwx 0/0"));
  EXPECT_THAT(verbose[5], HasSubstr("link -> b/a.txt"));
  EXPECT_THAT(verbose[6], HasSubstr("-rwxr-xr-x 0/0"));

  RunResult sum = RunCommand({"sha256sum", out});
  ASSERT_EQ(sum.exit_code, 0) << sum.output;
  EXPECT_EQ(archive.digest, "sha256:" + sum.output.substr(0, 64));
}

TEST(PackSourceTest, HonoursDockerignoreWithExceptions) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  WriteFile(src + "/Dockerfile", "FROM scratch\n");
  WriteFile(src + "/.dockerignore",
            "# deps\nnode_modules\n*.log\n!keep.log\nbuild\n"
            "!build/out/app\n.git\n");
  WriteFile(src + "/node_modules/x/index.js", "x");
  WriteFile(src + "/debug.log", "d");
  WriteFile(src + "/keep.log", "k");
  WriteFile(src + "/build/tmp.o", "o");
  WriteFile(src + "/build/out/app", "app");
  WriteFile(src + "/build/out/app.map", "map");
  WriteFile(src + "/.git/HEAD", "ref");
  WriteFile(src + "/src/main.c", "int main;");
  const std::string out = tmp.Sub("out.tar");

  ASSERT_OK_AND_ASSIGN(SourceArchive archive, Pack(src, out));
  EXPECT_THAT(Names(out),
              ElementsAre(".dockerignore", "Dockerfile", "build/", "build/out/",
                          "build/out/app", "keep.log", "src/", "src/main.c"));
  EXPECT_EQ(archive.file_count, 5u);
}

TEST(PackSourceTest, KeepsDockerfileAndDockerignoreEvenWhenIgnored) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  WriteFile(src + "/docker/Dockerfile.dev", "FROM scratch\n");
  WriteFile(src + "/docker/other", "o");
  WriteFile(src + "/.dockerignore", "*\n");
  WriteFile(src + "/app.py", "print()");
  const std::string out = tmp.Sub("out.tar");

  ASSERT_OK(Pack(src, out, "./docker/Dockerfile.dev"));
  EXPECT_THAT(Names(out),
              ElementsAre(".dockerignore", "docker/", "docker/Dockerfile.dev"));
}

// Writes the same tree in `order`, with the given file mode bits (execute
// bits aside) and mtime.
void MakeTree(const std::string& src, bool reversed, mode_t file_mode,
              time_t mtime) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"Dockerfile", "FROM scratch\nCOPY . /app\n"},
      {"a/one.txt", "one"},
      {"a/two.txt", "two"},
      {"b/c/three.txt", std::string(70000, 'x')},
      {"z.txt", "zzz"}};
  if (reversed) std::reverse(files.begin(), files.end());
  for (const auto& [name, content] : files) {
    WriteFile(src + "/" + name, content, file_mode);
  }
  WriteFile(src + "/tool", "#!/bin/sh\n", file_mode | 0100);
  fs::create_symlink("a/one.txt", src + "/ln");
  for (const auto& entry : fs::recursive_directory_iterator(src)) {
    const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    utimensat(AT_FDCWD, entry.path().c_str(), times, AT_SYMLINK_NOFOLLOW);
  }
  fs::permissions(src + "/a", static_cast<fs::perms>(reversed ? 0700 : 0775));
}

TEST(PackSourceTest, DigestDependsOnlyOnNamesContentsAndExecutableBit) {
  TempDir tmp;
  MakeTree(tmp.Sub("one"), false, 0644, 1700000000);
  MakeTree(tmp.Sub("two"), true, 0600, 1000000000);
  ASSERT_OK_AND_ASSIGN(SourceArchive one, Pack(tmp.Sub("one"), tmp.Sub("1")));
  ASSERT_OK_AND_ASSIGN(SourceArchive two, Pack(tmp.Sub("two"), tmp.Sub("2")));
  EXPECT_EQ(one.digest, two.digest);
  EXPECT_EQ(ReadFile(tmp.Sub("1")), ReadFile(tmp.Sub("2")));
  EXPECT_EQ(one.size_bytes, two.size_bytes);

  // Packing again gives the same bytes.
  ASSERT_OK_AND_ASSIGN(SourceArchive again, Pack(tmp.Sub("one"), tmp.Sub("3")));
  EXPECT_EQ(again.digest, one.digest);

  WriteFile(tmp.Sub("two/a/two.txt"), "TWO");
  ASSERT_OK_AND_ASSIGN(SourceArchive edited,
                       Pack(tmp.Sub("two"), tmp.Sub("2")));
  EXPECT_NE(edited.digest, one.digest);

  fs::permissions(tmp.Sub("one/a/one.txt"), static_cast<fs::perms>(0755));
  ASSERT_OK_AND_ASSIGN(SourceArchive chmodded,
                       Pack(tmp.Sub("one"), tmp.Sub("1")));
  EXPECT_NE(chmodded.digest, one.digest);
}

TEST(PackSourceTest, MissingDockerfileNamesItAndSuggestsDashF) {
  TempDir tmp;
  WriteFile(tmp.Sub("src/app.py"), "print()");
  const std::string out = tmp.Sub("out.tar");
  EXPECT_THAT(Pack(tmp.Sub("src"), out),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr(tmp.Sub("src") +
                                 "/Dockerfile: no such file; pass -f")));
  EXPECT_THAT(Pack(tmp.Sub("src"), out, "ci/Dockerfile"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("src/ci/Dockerfile: no such file")));
  EXPECT_FALSE(fs::exists(out));
}

TEST(PackSourceTest, RefusesMissingDirectoryAndDockerfileOutsideIt) {
  TempDir tmp;
  WriteFile(tmp.Sub("src/Dockerfile"), "FROM scratch\n");
  WriteFile(tmp.Sub("Dockerfile"), "FROM scratch\n");
  EXPECT_THAT(Pack(tmp.Sub("nope"), tmp.Sub("out.tar")),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("nope: no such directory")));
  EXPECT_THAT(Pack(tmp.Sub("src/Dockerfile"), tmp.Sub("out.tar")),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("Dockerfile: not a directory")));
  for (const char* dockerfile : {"../Dockerfile", "/etc/passwd", "a/../.."}) {
    EXPECT_THAT(Pack(tmp.Sub("src"), tmp.Sub("out.tar"), dockerfile),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("inside")))
        << dockerfile;
  }
  fs::create_directories(tmp.Sub("src/dir"));
  EXPECT_THAT(
      Pack(tmp.Sub("src"), tmp.Sub("out.tar"), "dir"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  EXPECT_FALSE(fs::exists(tmp.Sub("out.tar")));
}

TEST(PackSourceTest, RefusesMalformedDockerignore) {
  TempDir tmp;
  WriteFile(tmp.Sub("src/Dockerfile"), "FROM scratch\n");
  WriteFile(tmp.Sub("src/.dockerignore"), "ok\n[broken\n");
  EXPECT_THAT(Pack(tmp.Sub("src"), tmp.Sub("out.tar")),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr(".dockerignore: line 2: bad pattern")));
}

TEST(PackSourceTest, RefusesSymlinksTheServerWouldRefuse) {
  struct Case {
    std::string link;
    std::string target;
  };
  for (const Case& c : std::vector<Case>{{"abs", "/etc/passwd"},
                                         {"up", "../outside"},
                                         {"d/up2", "../../outside"},
                                         // Lexically inside, resolved out:
                                         // d/e/root is the source root.
                                         {"d/e/sneaky", "root/.."}}) {
    TempDir tmp;
    const std::string src = tmp.Sub("src");
    WriteFile(src + "/Dockerfile", "FROM scratch\n");
    fs::create_directories(src + "/d/e");
    fs::create_symlink("../..", src + "/d/e/root");
    fs::create_symlink(c.target, src + "/" + c.link);
    EXPECT_THAT(
        Pack(src, tmp.Sub("out.tar")),
        StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"" + c.link + "\"")))
        << c.link;
    EXPECT_FALSE(fs::exists(tmp.Sub("out.tar")));

    // Excluded, it is no concern of the server's.
    WriteFile(src + "/.dockerignore", c.link + "\n");
    EXPECT_OK(Pack(src, tmp.Sub("out.tar"))) << c.link;
  }
}

TEST(PackSourceTest, KeepsSymlinksAsLinksWithoutFollowing) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  WriteFile(src + "/Dockerfile", "FROM scratch\n");
  WriteFile(src + "/real/big", std::string(5000, 'b'));
  fs::create_directory_symlink("real", src + "/alias");
  fs::create_symlink("missing", src + "/dangling");
  const std::string out = tmp.Sub("out.tar");
  ASSERT_OK_AND_ASSIGN(SourceArchive archive, Pack(src, out));
  EXPECT_THAT(Names(out), ElementsAre("Dockerfile", "alias", "dangling",
                                      "real/", "real/big"));
  EXPECT_EQ(archive.file_count, 4u);
}

TEST(PackSourceTest, SkipsSocketsAndRefusesFifos) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  WriteFile(src + "/Dockerfile", "FROM scratch\n");
  const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = src + "/agent.sock";
  ASSERT_LT(sock_path.size(), sizeof(addr.sun_path));
  std::copy(sock_path.begin(), sock_path.end(), addr.sun_path);
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(sock);
  ASSERT_OK(Pack(src, tmp.Sub("out.tar")));
  EXPECT_THAT(Names(tmp.Sub("out.tar")), ElementsAre("Dockerfile"));

  ASSERT_EQ(mkfifo((src + "/pipe").c_str(), 0644), 0);
  EXPECT_THAT(
      Pack(src, tmp.Sub("out.tar")),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"pipe\" is a FIFO")));
  WriteFile(src + "/.dockerignore", "pipe\n");
  EXPECT_OK(Pack(src, tmp.Sub("out.tar")));
}

TEST(PackSourceTest, DoesNotPackItsOwnOutput) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  WriteFile(src + "/Dockerfile", "FROM scratch\n");
  WriteFile(src + "/ctx.tar", "stale");
  ASSERT_OK(Pack(src, src + "/ctx.tar"));
  EXPECT_THAT(Names(src + "/ctx.tar"), ElementsAre("Dockerfile"));
}

// The agent lists the archive with GNU tar, checks every member, then
// extracts it; long names and link targets take pax records.
TEST(PackSourceTest, RoundTripsThroughGnuTarLikeTheAgent) {
  TempDir tmp;
  const std::string src = tmp.Sub("src");
  const std::string deep =
      "a-rather-long-directory-name-0123456789/"
      "another-rather-long-directory-name-0123456789/"
      "and-one-more-long-directory-name-0123456789";
  const std::string long_file = deep + "/file with spaces\nand newline.txt";
  const std::string long_target = "../../../" + deep + "/../" +
                                  deep.substr(deep.rfind('/') + 1) +
                                  "/file with spaces\nand newline.txt";
  WriteFile(src + "/Dockerfile", "FROM scratch\n");
  WriteFile(src + "/" + long_file, "payload");
  fs::create_symlink(long_target, src + "/" + deep + "/link");
  WriteFile(src + "/caf\xC3\xA9.txt", "utf8");
  const std::string out = tmp.Sub("out.tar");
  ASSERT_OK(Pack(src, out));

  RunResult listing =
      RunCommand({"tar", "--list", "--verbose", "--numeric-owner",
                  "--absolute-names", "--quoting-style=c", "-f", out});
  EXPECT_EQ(listing.exit_code, 0) << listing.output;
  EXPECT_THAT(listing.output, Not(HasSubstr("tar:")));

  fs::create_directories(tmp.Sub("dest"));
  RunResult extract =
      RunCommand({"tar", "--extract", "--no-same-owner",
                  "--no-same-permissions", "-f", out, "-C", tmp.Sub("dest")});
  ASSERT_EQ(extract.exit_code, 0) << extract.output;
  EXPECT_EQ(ReadFile(tmp.Sub("dest/" + long_file)), "payload");
  EXPECT_EQ(fs::read_symlink(tmp.Sub("dest/" + deep + "/link")).string(),
            long_target);
  EXPECT_EQ(ReadFile(tmp.Sub("dest/" + deep + "/link")), "payload");
  EXPECT_EQ(ReadFile(tmp.Sub("dest/caf\xC3\xA9.txt")), "utf8");
}

}  // namespace
}  // namespace kiln::kilnctl
