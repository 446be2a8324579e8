#include "cmd/kilnctl/manifests.h"

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "controller/base/files.h"

namespace kiln::kilnctl {
namespace {

namespace fs = std::filesystem;

bool IsManifestFile(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

Status LoadText(const std::string& name, const std::string& text,
                std::vector<Manifest>& out) {
  StatusOr<std::vector<YamlDocument>> docs = ParseYamlDocuments(text);
  if (!docs.ok()) {
    return InvalidArgumentError(name + ": " + docs.status().message());
  }
  for (YamlDocument& d : *docs) {
    if (!d.json.is_object()) {
      return InvalidArgumentError(name + ": document " +
                                  std::to_string(d.index) +
                                  ": not an object (want apiVersion, kind, "
                                  "metadata, spec)");
    }
    out.push_back(Manifest{name, std::move(d)});
  }
  return OkStatus();
}

Status LoadFile(const std::string& path, std::vector<Manifest>& out) {
  StatusOr<std::string> text = ReadWholeFile(path, kNoSizeLimit);
  if (!text.ok()) {
    return NotFoundError(path + ": cannot read it (" + text.status().message() +
                         ")");
  }
  return LoadText(path, *text, out);
}

}  // namespace

std::string Manifest::Name() const {
  return doc.index > 1 ? file + ": document " + std::to_string(doc.index)
                       : file;
}

std::string Manifest::Where(const std::string& field) const {
  std::optional<SourcePosition> p = FindPosition(doc, field);
  if (!p) return "";
  return " (" + file + " line " + std::to_string(p->line) + ", column " +
         std::to_string(p->column) + ")";
}

StatusOr<std::vector<Manifest>> LoadManifests(
    const std::vector<std::string>& paths, bool recursive, std::istream& in) {
  std::vector<Manifest> out;
  for (const std::string& path : paths) {
    if (path == "-") {
      std::string text((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
      RETURN_IF_ERROR(LoadText("-", text, out));
      continue;
    }
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return NotFoundError(path + ": no such file or directory");
    }
    if (!fs::is_directory(path, ec)) {
      RETURN_IF_ERROR(LoadFile(path, out));
      continue;
    }
    std::vector<std::string> files;
    if (recursive) {
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && IsManifestFile(it->path())) {
          files.push_back(it->path().string());
        }
      }
    } else {
      for (auto it = fs::directory_iterator(path, ec);
           !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && IsManifestFile(it->path())) {
          files.push_back(it->path().string());
        }
      }
    }
    if (ec) return InvalidArgumentError(path + ": " + ec.message());
    if (files.empty()) {
      return InvalidArgumentError(
          path + ": no *.yaml, *.yml or *.json files" +
          (recursive ? "" : " (use -R for subdirectories)"));
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) RETURN_IF_ERROR(LoadFile(f, out));
  }
  return out;
}

}  // namespace kiln::kilnctl
