// kilnctl get / describe.
#include <chrono>
#include <memory>
#include <sstream>

#include "cmd/kilnctl/api_error.h"
#include "cmd/kilnctl/commands.h"
#include "cmd/kilnctl/describe.h"
#include "cmd/kilnctl/exit_codes.h"
#include "cmd/kilnctl/log_stream.h"
#include "cmd/kilnctl/output.h"
#include "cmd/kilnctl/watch.h"

namespace kiln::kilnctl {

StatusOr<std::string> ResourceOf(const std::string& typed) {
  if (typed == "builds" || typed == "build" || typed == "b" ||
      typed == "builds.kiln.dev" || typed == "build.kiln.dev") {
    return std::string("builds");
  }
  if (typed == "nodes" || typed == "node" || typed == "nodes.kiln.dev" ||
      typed == "node.kiln.dev") {
    return std::string("nodes");
  }
  if (typed == "events" || typed == "event" || typed == "ev" ||
      typed == "events.kiln.dev") {
    return std::string("events");
  }
  return InvalidArgumentError("unknown resource type \"" + typed +
                              "\"; want builds, nodes or events");
}

std::string CollectionPath(const std::string& resource, const std::string& ns) {
  if (resource == "nodes" || ns.empty()) {
    return std::string(kGroupVersion) + "/" + resource;
  }
  return std::string(kGroupVersion) + "/namespaces/" + UrlEncode(ns) + "/" +
         resource;
}

namespace {

struct GetFlags {
  std::vector<std::string> args;  // RESOURCE [NAME...]
  std::string output;
  bool watch = false;
  bool watch_only = false;
  std::string selector;
  std::string field_selector;
  bool all_namespaces = false;
  bool no_headers = false;
};

Status RunGet(Session& session, const GetFlags& f) {
  if (f.args.empty()) {
    return InvalidArgumentError(
        "which resource? e.g. `kilnctl get builds`, `kilnctl get build NAME`, "
        "`kilnctl get nodes`");
  }
  ASSIGN_OR_RETURN(const std::string resource, ResourceOf(f.args[0]));
  const std::vector<std::string> names(f.args.begin() + 1, f.args.end());
  ASSIGN_OR_RETURN(const OutputFormat format, OutputFormat::Parse(f.output));
  ASSIGN_OR_RETURN(std::string ns, session.Namespace());
  if (f.all_namespaces) ns = "";
  if (f.all_namespaces && !names.empty()) {
    return InvalidArgumentError("a name cannot be used with -A");
  }
  ASSIGN_OR_RETURN(ApiClient * client, session.Client());
  Io& io = session.io();
  const std::string path = CollectionPath(resource, ns);
  std::string query;
  if (!f.selector.empty()) query += "&labelSelector=" + UrlEncode(f.selector);
  if (!f.field_selector.empty()) {
    query += "&fieldSelector=" + UrlEncode(f.field_selector);
  }
  const std::string accept = format.table() ? kTableAccept : "application/json";
  TablePrinter table(io.out, format.kind == OutputFormat::kWide,
                     f.all_namespaces && resource != "nodes", io.out_tty,
                     f.no_headers);
  std::vector<nlohmann::json> objects;
  std::string rv;
  auto take = [&](const nlohmann::json& j) -> Status {
    if (format.table()) {
      table.Print(j);
    } else if (j.contains("items")) {
      for (const auto& item : j["items"]) objects.push_back(item);
    } else {
      objects.push_back(j);
    }
    return OkStatus();
  };
  if (!f.watch_only) {
    if (names.empty()) {
      HttpRequest req;
      req.accept = accept;
      req.path = path + (query.empty() ? "" : "?" + query.substr(1));
      ASSIGN_OR_RETURN(HttpResponse resp, client->Do(req));
      RETURN_IF_ERROR(ResponseStatus(resp));
      const nlohmann::json j = nlohmann::json::parse(resp.body, nullptr, false);
      rv = j.value("/metadata/resourceVersion"_json_pointer, "");
      RETURN_IF_ERROR(take(j));
    } else {
      for (const std::string& name : names) {
        HttpRequest req;
        req.accept = accept;
        req.path = path + "/" + UrlEncode(name);
        ASSIGN_OR_RETURN(HttpResponse resp, client->Do(req));
        RETURN_IF_ERROR(ResponseStatus(resp));
        RETURN_IF_ERROR(take(nlohmann::json::parse(resp.body, nullptr, false)));
      }
    }
    if (!format.table()) {
      RETURN_IF_ERROR(
          PrintObjects(objects, names.size() == 1 && !f.watch, format, io.out));
    } else if (!table.printed_rows() && !f.watch) {
      io.err << "No resources found"
             << (ns.empty() ? "" : " in " + ns + " namespace") << ".\n";
    }
  }
  if (!f.watch && !f.watch_only) return OkStatus();
  std::string wquery = query;
  if (names.size() == 1)
    wquery += "&fieldSelector=" + UrlEncode("metadata.name=" + names[0]);
  if (names.size() > 1) {
    return InvalidArgumentError("-w watches one name or a whole list");
  }
  return WatchCollection(*client, path, wquery, rv, accept,
                         [&](const std::string&, const nlohmann::json& obj) {
                           if (format.table()) {
                             table.Print(obj);
                           } else {
                             Status s =
                                 PrintObjects({obj}, true, format, io.out);
                             if (!s.ok()) return false;
                           }
                           return true;
                         });
}

Status RunDescribe(Session& session, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    return InvalidArgumentError("usage: kilnctl describe build NAME");
  }
  ASSIGN_OR_RETURN(const std::string resource, ResourceOf(args[0]));
  if (resource != "builds") {
    return InvalidArgumentError("describe knows builds; use `kilnctl get " +
                                resource + " -o yaml`");
  }
  ASSIGN_OR_RETURN(const std::string ns, session.Namespace());
  ASSIGN_OR_RETURN(ApiClient * client, session.Client());
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& name = args[i];
    ASSIGN_OR_RETURN(nlohmann::json build,
                     session.Json("GET", BuildPath(ns, name)));
    std::vector<nlohmann::json> events;
    StatusOr<nlohmann::json> list =
        session.Json("GET", CollectionPath("events", ns));
    if (list.ok()) {
      const std::string uid = build.value("/metadata/uid"_json_pointer, "");
      for (const auto& e : list->value("items", nlohmann::json::array())) {
        const nlohmann::json& o =
            e.value("involvedObject", nlohmann::json::object());
        if (o.value("name", "") == name && o.value("kind", "") == "Build" &&
            (o.value("uid", "").empty() || o.value("uid", "") == uid)) {
          events.push_back(e);
        }
      }
    }
    std::ostringstream tail;
    LogStreamOptions lo;
    lo.tail_lines = 10;
    (void)StreamBuildLog(*client, ns, name, lo, tail);  // none is fine
    if (i > 1) session.io().out << "\n";
    session.io().out << DescribeBuild(
        build, events, tail.str(),
        std::chrono::time_point_cast<std::chrono::seconds>(
            std::chrono::system_clock::now()));
  }
  return OkStatus();
}

}  // namespace

void AddGetCommand(CLI::App& root, Session& session, int& exit_code) {
  auto f = std::make_shared<GetFlags>();
  CLI::App* get = root.add_subcommand(
      "get", "List builds, nodes or events, or show some by name");
  get->add_option("resource", f->args, "builds|build [NAME...], nodes, events")
      ->required();
  get->add_option("-o,--output", f->output,
                  "table (default), wide, yaml, json, name, jsonpath=TEMPLATE");
  get->add_flag("-w,--watch", f->watch,
                "After listing, print changes as they happen");
  get->add_flag("--watch-only", f->watch_only,
                "Print changes only, no listing first");
  get->add_option("-l,--selector", f->selector,
                  "Label selector, e.g. team=web,tier!=db");
  get->add_option(
      "--field-selector", f->field_selector,
      "Field selector: metadata.name, metadata.namespace, status.phase");
  get->add_flag("-A,--all-namespaces", f->all_namespaces, "Every namespace");
  get->add_flag("--no-headers", f->no_headers,
                "Tables without the header line");
  get->callback([&session, &exit_code, f] {
    Status s = RunGet(session, *f);
    exit_code = s.ok() ? kExitOk : session.Fail(s);
  });
}

void AddDescribeCommand(CLI::App& root, Session& session, int& exit_code) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* d = root.add_subcommand(
      "describe",
      "Show a build in detail: spec, status, conditions, VM, provenance, "
      "events, last log lines");
  d->add_option("args", *args, "build NAME...")->required();
  d->callback([&session, &exit_code, args] {
    Status s = RunDescribe(session, *args);
    exit_code = s.ok() ? kExitOk : session.Fail(s);
  });
}

}  // namespace kiln::kilnctl
