// kilnctl apply -f FILE|DIR|- [-R]: server-side apply of every Build in the
// manifests, after replacing a local `spec.source.path` with an uploaded
// archive.
#include <filesystem>
#include <memory>

#include "api_types/build_json.h"
#include "cmd/kilnctl/api_error.h"
#include "cmd/kilnctl/commands.h"
#include "cmd/kilnctl/exit_codes.h"
#include "cmd/kilnctl/manifests.h"
#include "cmd/kilnctl/output.h"
#include "cmd/kilnctl/source_upload.h"

namespace kiln::kilnctl {
namespace {

struct ApplyFlags {
  std::vector<std::string> files;
  bool recursive = false;
  std::string output;
  bool dry_run = false;
};

// The server's field errors with the manifest's line numbers added.
std::string WithPositions(const Manifest& m, const ApiError& e) {
  std::string out = "Error from server (" + e.reason + "): " + m.Name() + ": ";
  if (e.causes.empty()) return out + e.message;
  bool first = true;
  for (const auto& c : e.causes) {
    const std::string field = c.value("field", "");
    out += (first ? "" : "\n  ") + (field.empty() ? "" : field + ": ") +
           c.value("message", "") + m.Where(field);
    first = false;
  }
  return out;
}

// Rewrites spec.source.path into spec.source.archive (uploading the dir).
Status ResolveSourcePath(Session& session, const std::string& ns, Manifest& m) {
  nlohmann::json& doc = m.doc.json;
  const nlohmann::json::json_pointer p("/spec/source/path");
  if (!doc.contains(p)) return OkStatus();
  if (!doc.at(p).is_string() || doc.at(p).get<std::string>().empty()) {
    return InvalidArgumentError(m.Name() +
                                ": spec.source.path: want a directory" +
                                m.Where("spec.source.path"));
  }
  nlohmann::json& source = doc["spec"]["source"];
  if (source.size() != 1) {
    return InvalidArgumentError(
        m.Name() +
        ": spec.source: path cannot be combined with archive or inline" +
        m.Where("spec.source"));
  }
  std::filesystem::path dir = doc.at(p).get<std::string>();
  if (dir.is_relative() && m.file != "-") {
    dir = std::filesystem::path(m.file).parent_path() / dir;
  }
  const std::string dockerfile =
      doc.value("/spec/dockerfile"_json_pointer, "Dockerfile");
  StatusOr<UploadedSource> up =
      UploadSource(session, ns, dir.lexically_normal().string(),
                   dockerfile.empty() ? "Dockerfile" : dockerfile);
  if (!up.ok()) {
    return Status(up.status().code(), m.Name() + ": spec.source.path" +
                                          m.Where("spec.source.path") + ": " +
                                          up.status().message());
  }
  source = {{"archive", {{"digest", up->digest}}}};
  return OkStatus();
}

Status RunApply(Session& session, const ApplyFlags& f, int& exit_code) {
  if (f.files.empty()) {
    return InvalidArgumentError("-f FILE|DIR|- is required");
  }
  ASSIGN_OR_RETURN(const OutputFormat format, OutputFormat::Parse(f.output));
  ASSIGN_OR_RETURN(std::vector<Manifest> manifests,
                   LoadManifests(f.files, f.recursive, session.io().in));
  ASSIGN_OR_RETURN(const std::string default_ns, session.Namespace());
  ASSIGN_OR_RETURN(ApiClient * client, session.Client());
  // Check every document before sending any, so a typo in the third
  // document does not leave the first two applied.
  for (Manifest& m : manifests) {
    const nlohmann::json& doc = m.doc.json;
    if (doc.value("kind", "") != "Build" ||
        doc.value("apiVersion", "") != "kiln.dev/v1") {
      return InvalidArgumentError(
          m.Name() + ": want apiVersion kiln.dev/v1, kind Build (got " +
          doc.value("apiVersion", "?") + " " + doc.value("kind", "?") + ")" +
          m.Where("kind"));
    }
    if (doc.value("/metadata/name"_json_pointer, "").empty()) {
      return InvalidArgumentError(m.Name() + ": metadata.name is required" +
                                  m.Where("metadata"));
    }
    nlohmann::json check = doc;
    if (check.contains("/spec/source/path"_json_pointer)) {
      check["spec"]["source"] = {
          {"archive", {{"digest", "sha256:" + std::string(64, '0')}}}};
    }
    std::vector<FieldError> errors;
    if (!BuildFromJson(check, {}, &errors).ok()) {
      AddPositions(m.doc, &errors);
      std::string text = m.Name() + ": invalid Build:";
      for (const FieldError& e : errors) {
        text += "\n  " + (e.field.empty() ? "" : e.field + ": ") + e.message;
      }
      return InvalidArgumentError(text);
    }
  }
  Status first = OkStatus();
  std::vector<nlohmann::json> applied;
  for (Manifest& m : manifests) {
    std::string ns = m.doc.json.value("/metadata/namespace"_json_pointer, "");
    if (ns.empty()) ns = default_ns;
    const std::string name = m.doc.json["metadata"]["name"];
    Status s = ResolveSourcePath(session, ns, m);
    if (!s.ok()) {
      session.io().err << "error: " << s.message() << "\n";
      if (first.ok()) first = s;
      continue;
    }
    HttpRequest get;
    get.path = BuildPath(ns, name);
    ASSIGN_OR_RETURN(HttpResponse before, client->Do(get));
    const nlohmann::json old =
        nlohmann::json::parse(before.body, nullptr, false);
    HttpRequest req;
    req.method = "PATCH";
    req.path = BuildPath(ns, name) + "?fieldManager=kilnctl&force=true" +
               (f.dry_run ? "&dryRun=All" : "");
    req.content_type = "application/apply-patch+yaml";
    req.body = m.doc.json.dump();
    ASSIGN_OR_RETURN(HttpResponse resp, client->Do(req));
    if (resp.code < 200 || resp.code >= 300) {
      const ApiError e = ParseApiError(resp);
      session.io().err << (e.code == 422 ? WithPositions(m, e) : e.Text())
                       << "\n";
      if (first.ok()) first = ResponseStatus(resp);
      continue;
    }
    const nlohmann::json now = nlohmann::json::parse(resp.body, nullptr, false);
    if (!format.table()) {
      applied.push_back(now);
      continue;
    }
    std::string verb = "configured";
    if (resp.code == 201) {
      verb = "created";
    } else if (before.code == 200 &&
               old.value("/metadata/resourceVersion"_json_pointer, "") ==
                   now.value("/metadata/resourceVersion"_json_pointer, "")) {
      verb = "unchanged";
    }
    session.io().out << "build.kiln.dev/" << name << " " << verb
                     << (f.dry_run ? " (dry run)" : "") << "\n";
  }
  if (!applied.empty()) {
    RETURN_IF_ERROR(
        PrintObjects(applied, applied.size() == 1, format, session.io().out));
  }
  if (!first.ok()) {
    exit_code = first.code() == StatusCode::kResourcesExhausted ? kExitRejected
                                                                : kExitError;
    return OkStatus();
  }
  return OkStatus();
}

}  // namespace

void AddApplyCommand(CLI::App& root, Session& session, int& exit_code) {
  auto f = std::make_shared<ApplyFlags>();
  CLI::App* c = root.add_subcommand(
      "apply",
      "Create or update Builds from manifests; a local spec.source.path is "
      "uploaded first");
  c->add_option("-f,--filename", f->files, "FILE, DIR or - (stdin); repeatable")
      ->required();
  c->add_flag("-R,--recursive", f->recursive, "With a DIR: subdirectories too");
  c->add_option("-o,--output", f->output,
                "yaml, json or name: print the applied objects");
  c->add_flag("--dry-run", f->dry_run, "Ask the server to check, not write");
  c->callback([&session, &exit_code, f] {
    exit_code = kExitOk;
    Status s = RunApply(session, *f, exit_code);
    if (!s.ok()) exit_code = session.Fail(s);
  });
}

}  // namespace kiln::kilnctl
