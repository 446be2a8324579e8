#include "cmd/kilnctl/source_upload.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cmd/kilnctl/api_error.h"
#include "cmd/kilnctl/source_archive.h"
#include "controller/base/files.h"

namespace kiln::kilnctl {
namespace {

std::string Size(int64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", bytes / 1024.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
  return buf;
}

std::string SourcesPath(const std::string& ns) {
  return std::string(kGroupVersion) + "/namespaces/" + UrlEncode(ns) +
         "/sources";
}

}  // namespace

StatusOr<UploadedSource> UploadSource(Session& session, const std::string& ns,
                                      const std::string& dir,
                                      const std::string& dockerfile) {
  Io& io = session.io();
  // The archive goes into a fresh 0700 directory: no other user can read
  // the sources, nor plant a file or symlink at its name beforehand.
  ASSIGN_OR_RETURN(const std::string private_dir,
                   MakePrivateTempDir("kilnctl-source-"));
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{private_dir};
  const std::string tmp = private_dir + "/source.tar";
  ASSIGN_OR_RETURN(SourceArchive archive, PackSource(dir, dockerfile, tmp));
  UploadedSource out;
  out.digest = archive.digest;
  out.size = static_cast<int64_t>(archive.size_bytes);
  out.files = static_cast<int64_t>(archive.file_count);
  ASSIGN_OR_RETURN(ApiClient * client, session.Client());
  HttpRequest head;
  head.path = SourcesPath(ns) + "/" + archive.digest;
  ASSIGN_OR_RETURN(HttpResponse have, client->Do(head));
  if (have.code == 200) {
    io.err << "source " << dir << ": " << archive.file_count << " files, "
           << Size(static_cast<int64_t>(archive.size_bytes))
           << ", already on the server (" << archive.digest.substr(0, 19)
           << "…)\n";
    return out;
  }
  if (have.code != 404) RETURN_IF_ERROR(ResponseStatus(have));
  HttpRequest post;
  post.method = "POST";
  post.path = SourcesPath(ns);
  post.content_type = "application/x-tar";
  int last_percent = -1;
  auto progress = [&](int64_t sent, int64_t total) {
    if (!io.err_tty || total <= 0) return;
    const int percent = static_cast<int>(sent * 100 / total);
    if (percent == last_percent) return;
    last_percent = percent;
    const int width = 30;
    const int filled = percent * width / 100;
    io.err << "\ruploading source [" << std::string(filled, '=')
           << std::string(width - filled, ' ') << "] " << percent << "% "
           << Size(sent) << "/" << Size(total) << std::flush;
  };
  ASSIGN_OR_RETURN(HttpResponse resp, client->Upload(post, tmp, progress));
  if (io.err_tty && last_percent >= 0) io.err << "\n";
  RETURN_IF_ERROR(ResponseStatus(resp));
  const nlohmann::json j = nlohmann::json::parse(resp.body, nullptr, false);
  const std::string server_digest = j.is_object() ? j.value("digest", "") : "";
  if (server_digest != archive.digest) {
    return InternalError("the server stored the source as \"" + server_digest +
                         "\", but kilnctl computed " + archive.digest);
  }
  out.uploaded = true;
  io.err << "source " << dir << ": " << archive.file_count << " files, "
         << Size(static_cast<int64_t>(archive.size_bytes)) << ", uploaded ("
         << archive.digest.substr(0, 19) << "…)\n";
  return out;
}

}  // namespace kiln::kilnctl
