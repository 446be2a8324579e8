#include "cmd/kilnctl/source_archive.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cmd/kilnctl/dockerignore.h"
#include "controller/base/files.h"
#include "controller/base/hex.h"
#include "controller/base/scoped_fd.h"

// The ustar/pax headers are written here rather than by running `tar`: the
// agent can rely on GNU tar inside its VM, but kilnctl runs on users'
// machines, where `tar` may be bsdtar (macOS) without GNU's --owner,
// --mtime or --pax-option, or a GNU tar whose pax choices differ between
// releases. Writing the few header fields ourselves makes the bytes (and so
// the digest) a function of the tree alone, lets the executable bit decide
// each file's mode, hashes and counts while writing, and needs no child
// process or pipe plumbing. The format is POSIX pax (ustar plus 'x' records
// only for names, link targets or sizes that do not fit), which the
// agent's GNU tar reads.

namespace kiln::kilnctl {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBlock = 512;
constexpr size_t kUstarNameMax = 100;
constexpr uint64_t kUstarSizeMax = 077777777777;  // 11 octal digits
constexpr size_t kFlushBytes = 256 * 1024;

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// ---------------------------------------------------------------------------
// The tree walk: which entries go in, in which order.

enum class EntryType { kFile, kDirectory, kSymlink };

struct Entry {
  std::string name;  // relative to the root, no trailing '/'
  EntryType type = EntryType::kFile;
  bool executable = false;
  uint64_t size = 0;
  std::string link;  // kSymlink: the target as stored
};

bool IsBelow(const fs::path& path, const fs::path& root) {
  auto [root_end, path_it] =
      std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return root_end == root.end();
}

// The server's two checks (cmd/kiln-agent archive_source.cc): lexically, the
// target may not be absolute nor climb above the root from the link's
// directory; resolved, it must stay under the root.
Status CheckSymlink(const fs::path& root, const std::string& name,
                    const std::string& target) {
  const std::string refusal = "symlink " + Quoted(name) + " -> " +
                              Quoted(target) +
                              " leaves the source directory; the server "
                              "refuses it (exclude it in .dockerignore)";
  if (target.empty() || target.front() == '/') {
    return InvalidArgumentError(refusal);
  }
  int depth = static_cast<int>(std::count(name.begin(), name.end(), '/'));
  for (const auto& part : fs::path(target)) {
    if (part.empty() || part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) return InvalidArgumentError(refusal);
  }
  std::error_code ec;
  const fs::path resolved =
      fs::weakly_canonical((root / name).parent_path() / target, ec);
  if (ec) {
    return InvalidArgumentError("symlink " + Quoted(name) +
                                ": cannot resolve " + Quoted(target) + ": " +
                                ec.message());
  }
  if (!IsBelow(resolved, root)) return InvalidArgumentError(refusal);
  return OkStatus();
}

// Walks the tree depth-first with names sorted bytewise and collects the
// entries the archive holds. Used by one PackSource call.
class Walker {
 public:
  Walker(fs::path root, const DockerIgnore& ignore,
         std::vector<std::string> forced, const struct stat& skip)
      : root_(std::move(root)),
        ignore_(ignore),
        forced_(std::move(forced)),
        skip_(skip) {}

  // Adds the entries below `dir` ("" for the root).
  Status Walk(const std::string& dir) {
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(root_ / dir, ec), end; !ec && it != end;
         it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec) {
      return InvalidArgumentError("read " + (root_ / dir).string() + ": " +
                                  ec.message());
    }
    std::sort(names.begin(), names.end());
    for (const std::string& base : names) {
      RETURN_IF_ERROR(Visit(dir.empty() ? base : dir + "/" + base));
    }
    return OkStatus();
  }

  std::vector<Entry>& entries() { return entries_; }

 private:
  bool Forced(const std::string& name) const {
    return std::find(forced_.begin(), forced_.end(), name) != forced_.end();
  }
  bool ForcedBelow(const std::string& dir) const {
    return std::any_of(forced_.begin(), forced_.end(),
                       [&](const auto& f) { return f.starts_with(dir + "/"); });
  }

  Status Visit(const std::string& name) {
    const fs::path path = root_ / name;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      return InvalidArgumentError("stat " + path.string() + ": " +
                                  ErrnoText(errno));
    }
    if (st.st_dev == skip_.st_dev && st.st_ino == skip_.st_ino) {
      return OkStatus();  // the archive being written
    }
    const bool excluded = ignore_.Excluded(name) && !Forced(name);
    if (S_ISDIR(st.st_mode)) return VisitDirectory(name, excluded);
    if (excluded || S_ISSOCK(st.st_mode)) return OkStatus();
    Entry entry;
    entry.name = name;
    if (S_ISREG(st.st_mode)) {
      entry.executable = (st.st_mode & 0111) != 0;
      entry.size = static_cast<uint64_t>(st.st_size);
    } else if (S_ISLNK(st.st_mode)) {
      entry.type = EntryType::kSymlink;
      std::error_code ec;
      entry.link = fs::read_symlink(path, ec).string();
      if (ec) {
        return InvalidArgumentError("readlink " + path.string() + ": " +
                                    ec.message());
      }
      RETURN_IF_ERROR(CheckSymlink(root_, name, entry.link));
    } else {
      return InvalidArgumentError(
          Quoted(name) + " is a " +
          (S_ISFIFO(st.st_mode) ? "FIFO" : "device node") +
          "; the server accepts only files, directories and symlinks "
          "(exclude it in .dockerignore)");
    }
    entries_.push_back(std::move(entry));
    return OkStatus();
  }

  // An excluded directory is walked only when something below it may be
  // kept, and stored only when something below it was.
  Status VisitDirectory(const std::string& name, bool excluded) {
    if (excluded && !ignore_.MayReincludeBelow(name) && !ForcedBelow(name)) {
      return OkStatus();
    }
    const size_t mark = entries_.size();
    Entry entry;
    entry.name = name;
    entry.type = EntryType::kDirectory;
    entries_.push_back(std::move(entry));
    RETURN_IF_ERROR(Walk(name));
    if (excluded && entries_.size() == mark + 1) entries_.pop_back();
    return OkStatus();
  }

  const fs::path root_;
  const DockerIgnore& ignore_;
  const std::vector<std::string> forced_;
  const struct stat skip_;
  std::vector<Entry> entries_;
};

// ---------------------------------------------------------------------------
// The tar encoding.

// Writes `value` as width-1 zero-padded octal digits and a NUL.
void PutOctal(char* field, size_t width, uint64_t value) {
  for (size_t i = width - 1; i-- > 0; value /= 8) {
    field[i] = static_cast<char>('0' + value % 8);
  }
  field[width - 1] = '\0';
}

// A ustar header. REQUIRES: the strings fit their fields (longer ones go in
// a pax header first and are truncated here), size <= kUstarSizeMax.
std::string UstarHeader(std::string_view name, char type, uint32_t mode,
                        uint64_t size, std::string_view link) {
  char h[kBlock] = {};
  std::memcpy(h, name.data(), std::min(name.size(), kUstarNameMax));
  PutOctal(h + 100, 8, mode);
  PutOctal(h + 108, 8, 0);  // uid
  PutOctal(h + 116, 8, 0);  // gid
  PutOctal(h + 124, 12, size);
  PutOctal(h + 136, 12, 0);  // mtime
  h[156] = type;
  std::memcpy(h + 157, link.data(), std::min(link.size(), kUstarNameMax));
  std::memcpy(h + 257, "ustar", 6);  // magic, NUL-terminated
  h[263] = '0';                      // version "00"
  h[264] = '0';
  PutOctal(h + 329, 8, 0);  // devmajor
  PutOctal(h + 337, 8, 0);  // devminor
  std::memset(h + 148, ' ', 8);
  uint32_t sum = 0;
  for (unsigned char c : h) sum += c;
  PutOctal(h + 148, 7, sum);  // six digits, NUL; the space stays
  return std::string(h, kBlock);
}

// "LEN key=value\n", LEN counting the whole record.
std::string PaxRecord(std::string_view key, std::string_view value) {
  const size_t base = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t len = base + std::to_string(base).size();
  len = base + std::to_string(len).size();
  return std::to_string(len) + " " + std::string(key) + "=" +
         std::string(value) + "\n";
}

std::string Padding(uint64_t size) {
  return std::string((kBlock - size % kBlock) % kBlock, '\0');
}

// The output file: buffers, hashes and counts what is appended. Used by
// one PackSource call.
class HashingFile {
 public:
  // Takes ownership of `fd`.
  explicit HashingFile(int fd)
      : fd_(fd), md_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {}
  ~HashingFile() {
    if (fd_ >= 0) close(fd_);
  }
  HashingFile(const HashingFile&) = delete;
  HashingFile& operator=(const HashingFile&) = delete;

  Status Start() {
    if (md_ == nullptr ||
        EVP_DigestInit_ex(md_.get(), EVP_sha256(), nullptr) != 1) {
      return InternalError("sha256 init failed");
    }
    return OkStatus();
  }

  Status Write(std::string_view data) {
    if (EVP_DigestUpdate(md_.get(), data.data(), data.size()) != 1) {
      return InternalError("sha256 update failed");
    }
    buffer_.append(data);
    bytes_ += data.size();
    return buffer_.size() >= kFlushBytes ? Flush() : OkStatus();
  }

  // Flushes, closes and returns "sha256:<hex>".
  StatusOr<std::string> Finish() {
    RETURN_IF_ERROR(Flush());
    const int fd = std::exchange(fd_, -1);
    if (close(fd) != 0) return InternalError("close: " + ErrnoText(errno));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(md_.get(), digest, &len) != 1) {
      return InternalError("sha256 final failed");
    }
    return "sha256:" + HexEncode(std::string_view(
                           reinterpret_cast<const char*>(digest), len));
  }

  uint64_t bytes() const { return bytes_; }

 private:
  Status Flush() {
    for (size_t done = 0; done < buffer_.size();) {
      const ssize_t n =
          write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return InternalError("write: " + ErrnoText(errno));
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
    return OkStatus();
  }

  int fd_;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md_;
  std::string buffer_;
  uint64_t bytes_ = 0;
};

// Appends the file's `size` bytes, failing if it is not that file any more.
Status CopyFile(const fs::path& path, uint64_t size, HashingFile& out) {
  const std::string changed =
      path.string() + " changed while it was packed; try again";
  const int fd =
      open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return InvalidArgumentError("open " + path.string() + ": " +
                                ErrnoText(errno));
  }
  ScopedFd closer(fd);
  struct stat before;
  if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode) ||
      static_cast<uint64_t>(before.st_size) != size) {
    return InvalidArgumentError(changed);
  }
  std::string chunk(64 * 1024, '\0');
  for (uint64_t left = size; left > 0;) {
    const ssize_t n =
        read(fd, chunk.data(), std::min<uint64_t>(left, chunk.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return InvalidArgumentError("read " + path.string() + ": " +
                                  ErrnoText(errno));
    }
    if (n == 0) return InvalidArgumentError(changed);
    RETURN_IF_ERROR(out.Write(std::string_view(chunk.data(), n)));
    left -= static_cast<uint64_t>(n);
  }
  struct stat after;
  if (fstat(fd, &after) != 0 || after.st_size != before.st_size ||
      after.st_mtim.tv_sec != before.st_mtim.tv_sec ||
      after.st_mtim.tv_nsec != before.st_mtim.tv_nsec) {
    return InvalidArgumentError(changed);
  }
  return out.Write(Padding(size));
}

Status WriteEntry(const fs::path& root, const Entry& e, HashingFile& out) {
  const bool dir = e.type == EntryType::kDirectory;
  const std::string name = dir ? e.name + "/" : e.name;
  std::string pax;
  if (name.size() > kUstarNameMax) pax += PaxRecord("path", name);
  if (e.link.size() > kUstarNameMax) pax += PaxRecord("linkpath", e.link);
  if (e.size > kUstarSizeMax) pax += PaxRecord("size", std::to_string(e.size));
  if (!pax.empty()) {
    RETURN_IF_ERROR(
        out.Write(UstarHeader("././@PaxHeader", 'x', 0644, pax.size(), "")));
    RETURN_IF_ERROR(out.Write(pax + Padding(pax.size())));
  }
  switch (e.type) {
    case EntryType::kDirectory:
      return out.Write(UstarHeader(name, '5', 0755, 0, ""));
    case EntryType::kSymlink:
      return out.Write(UstarHeader(name, '2', 0777, 0, e.link));
    case EntryType::kFile:
      break;
  }
  RETURN_IF_ERROR(
      out.Write(UstarHeader(name, '0', e.executable ? 0755 : 0644,
                            e.size > kUstarSizeMax ? 0 : e.size, "")));
  return CopyFile(root / e.name, e.size, out);
}

// ---------------------------------------------------------------------------
// PackSource's steps.

// `dockerfile` as a clean path below the root.
StatusOr<std::string> CleanDockerfilePath(const std::string& dockerfile) {
  const std::string given =
      dockerfile.empty() ? kDefaultDockerfile : dockerfile;
  std::string clean = fs::path(given).lexically_normal().generic_string();
  if (clean.ends_with('/')) clean.pop_back();
  if (given.front() == '/' || clean.empty() || clean == "." || clean == ".." ||
      clean.starts_with("../")) {
    return InvalidArgumentError("Dockerfile path " + Quoted(given) +
                                " must be relative to and inside the source "
                                "directory");
  }
  return clean;
}

Status CheckDockerfile(const std::string& dir, const fs::path& root,
                       const std::string& dockerfile) {
  const std::string shown = (fs::path(dir) / dockerfile).string();
  struct stat st;
  if (stat((root / dockerfile).c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return InvalidArgumentError(
          shown + ": no such file; pass -f to name the Dockerfile");
    }
    return InvalidArgumentError(shown + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgumentError(shown + ": not a regular file");
  }
  return OkStatus();
}

StatusOr<DockerIgnore> ReadDockerIgnore(const std::string& dir,
                                        const fs::path& root) {
  const fs::path path = root / ".dockerignore";
  const std::string shown = (fs::path(dir) / ".dockerignore").string();
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) return DockerIgnore();
  if (ec || status.type() != fs::file_type::regular) {
    return InvalidArgumentError(shown + ": not a readable regular file");
  }
  StatusOr<std::string> text = ReadWholeFile(path.string(), kNoSizeLimit);
  if (!text.ok()) {
    return InvalidArgumentError(shown + ": cannot read it (" +
                                text.status().message() + ")");
  }
  StatusOr<DockerIgnore> ignore = DockerIgnore::Parse(*text);
  if (!ignore.ok()) return ignore.status().WithPrefix(shown);
  return ignore;
}

// Removes the output file unless Keep() was called.
class RemoveUnlessKept {
 public:
  explicit RemoveUnlessKept(std::string path) : path_(std::move(path)) {}
  ~RemoveUnlessKept() {
    if (!kept_) unlink(path_.c_str());
  }
  RemoveUnlessKept(const RemoveUnlessKept&) = delete;
  RemoveUnlessKept& operator=(const RemoveUnlessKept&) = delete;
  void Keep() { kept_ = true; }

 private:
  const std::string path_;
  bool kept_ = false;
};

}  // namespace

StatusOr<SourceArchive> PackSource(const std::string& dir,
                                   const std::string& dockerfile,
                                   const std::string& out_path) {
  ASSIGN_OR_RETURN(std::string dockerfile_path,
                   CleanDockerfilePath(dockerfile));
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return InvalidArgumentError(dir + (fs::exists(dir, ec)
                                           ? ": not a directory"
                                           : ": no such directory"));
  }
  const fs::path root = fs::canonical(dir, ec);
  if (ec) return InvalidArgumentError(dir + ": " + ec.message());
  RETURN_IF_ERROR(CheckDockerfile(dir, root, dockerfile_path));
  ASSIGN_OR_RETURN(DockerIgnore ignore, ReadDockerIgnore(dir, root));

  const int fd =
      open(out_path.c_str(),
           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return InternalError("create " + out_path + ": " + ErrnoText(errno));
  }
  HashingFile out(fd);
  RemoveUnlessKept cleanup(out_path);
  struct stat out_stat;
  if (fstat(fd, &out_stat) != 0) {
    return InternalError("stat " + out_path + ": " + ErrnoText(errno));
  }
  RETURN_IF_ERROR(out.Start());

  Walker walker(root, ignore, {dockerfile_path, ".dockerignore"}, out_stat);
  RETURN_IF_ERROR(walker.Walk(""));
  SourceArchive archive;
  archive.path = out_path;
  for (const Entry& entry : walker.entries()) {
    RETURN_IF_ERROR(WriteEntry(root, entry, out));
    if (entry.type != EntryType::kDirectory) ++archive.file_count;
  }
  RETURN_IF_ERROR(out.Write(std::string(2 * kBlock, '\0')));  // end marker
  archive.size_bytes = out.bytes();
  ASSIGN_OR_RETURN(archive.digest, out.Finish());
  cleanup.Keep();
  return archive;
}

}  // namespace kiln::kilnctl
