#include "cmd/kiln-agent/source_digest.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "controller/sources/sha256.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string relative;  // generic form, '/' separated
  fs::path path;
  fs::file_status status;
};

StatusOr<std::vector<Entry>> ListTree(const std::string& root) {
  std::vector<Entry> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    entries.push_back(Entry{fs::relative(it->path(), root, ec).generic_string(),
                            it->path(), status});
    if (ec) break;
  }
  if (ec) return InternalError("walk " + root + ": " + ec.message());
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.relative < b.relative;
  });
  return entries;
}

Status HashField(Sha256& hash, std::string_view value) {
  RETURN_IF_ERROR(hash.Update(std::to_string(value.size()) + ":"));
  return hash.Update(value);
}

Status HashFileContent(Sha256& hash, const Entry& entry) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(entry.path, ec);
  if (ec) return InternalError("stat " + entry.relative + ": " + ec.message());
  RETURN_IF_ERROR(hash.Update(std::to_string(size) + ":"));
  std::ifstream in(entry.path, std::ios::binary);
  char buf[65536];
  uintmax_t total = 0;
  while (in) {
    in.read(buf, sizeof(buf));
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    total += static_cast<uintmax_t>(got);
    RETURN_IF_ERROR(hash.Update(std::string_view(buf, got)));
  }
  if (in.bad() || total != size) {
    return InternalError("read " + entry.relative + ": short read");
  }
  return OkStatus();
}

Status HashEntry(Sha256& hash, const Entry& entry) {
  const fs::perms exec =
      fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  switch (entry.status.type()) {
    case fs::file_type::directory:
      RETURN_IF_ERROR(hash.Update("d 755 "));
      RETURN_IF_ERROR(HashField(hash, entry.relative));
      return hash.Update(" 0:\n");
    case fs::file_type::regular: {
      const bool x = (entry.status.permissions() & exec) != fs::perms::none;
      RETURN_IF_ERROR(hash.Update(x ? "f 755 " : "f 644 "));
      RETURN_IF_ERROR(HashField(hash, entry.relative));
      RETURN_IF_ERROR(hash.Update(" "));
      RETURN_IF_ERROR(HashFileContent(hash, entry));
      return hash.Update("\n");
    }
    case fs::file_type::symlink: {
      std::error_code ec;
      const std::string target = fs::read_symlink(entry.path, ec).string();
      if (ec) return InternalError("readlink " + entry.relative);
      RETURN_IF_ERROR(hash.Update("l 777 "));
      RETURN_IF_ERROR(HashField(hash, entry.relative));
      RETURN_IF_ERROR(hash.Update(" "));
      RETURN_IF_ERROR(HashField(hash, target));
      return hash.Update("\n");
    }
    default:
      return InvalidArgumentError("\"" + entry.relative +
                                  "\" is a special file");
  }
}

}  // namespace

StatusOr<std::string> SourceTreeDigest(const std::string& root) {
  ASSIGN_OR_RETURN(std::vector<Entry> entries, ListTree(root));
  ASSIGN_OR_RETURN(std::unique_ptr<Sha256> hash, Sha256::Create());
  for (const Entry& entry : entries) RETURN_IF_ERROR(HashEntry(*hash, entry));
  return hash->Finish();
}

}  // namespace kiln
