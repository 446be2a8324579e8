// kilnctl logs / cancel / delete / wait.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "cmd/kilnctl/api_error.h"
#include "cmd/kilnctl/commands.h"
#include "cmd/kilnctl/duration.h"
#include "cmd/kilnctl/exit_codes.h"
#include "cmd/kilnctl/jsonpath.h"
#include "cmd/kilnctl/log_stream.h"
#include "cmd/kilnctl/manifests.h"
#include "cmd/kilnctl/output.h"
#include "cmd/kilnctl/watch.h"

namespace kiln::kilnctl {
namespace {

bool IsTerminalPhase(const std::string& p) {
  return p == "Ready" || p == "Failed" || p == "Cancelled";
}

// ---- logs

struct LogsFlags {
  std::string name;
  bool follow = false;
  int64_t tail = -1;
  bool timestamps = false;
};

Status RunLogs(Session& session, const LogsFlags& f) {
  ASSIGN_OR_RETURN(const std::string ns, session.Namespace());
  ASSIGN_OR_RETURN(ApiClient * client, session.Client());
  LogStreamOptions o;
  o.follow = f.follow;
  if (f.tail >= 0) o.tail_lines = f.tail;
  o.timestamps = f.timestamps;
  ASSIGN_OR_RETURN(LogStreamEnd end,
                   StreamBuildLog(*client, ns, f.name, o, session.io().out));
  if (f.follow && !end.phase.empty() && session.io().err_tty) {
    session.io().err << "kilnctl: build " << f.name << " is " << end.phase
                     << (end.reason.empty() ? "" : " (" + end.reason + ")")
                     << "\n";
  }
  return OkStatus();
}

// ---- cancel

Status RunCancel(Session& session, const std::vector<std::string>& names) {
  ASSIGN_OR_RETURN(const std::string ns, session.Namespace());
  Status first = OkStatus();
  for (const std::string& name : names) {
    StatusOr<nlohmann::json> r = session.Json("PATCH", BuildPath(ns, name),
                                              R"({"spec":{"cancel":true}})",
                                              "application/merge-patch+json");
    if (!r.ok()) {
      session.io().err << r.status().message() << "\n";
      if (first.ok()) first = r.status();
      continue;
    }
    session.io().out << "build.kiln.dev/" << name << " cancel requested\n";
  }
  if (!first.ok()) return AbortedError("");  // already printed
  return OkStatus();
}

// ---- delete

struct DeleteFlags {
  std::vector<std::string> args;  // [build] NAME...
  std::vector<std::string> files;
  bool recursive = false;
  bool all = false;
  std::string field_selector;
  std::string selector;
  bool ignore_not_found = false;
};

// "phase=Failed" is accepted for "status.phase=Failed".
std::string NormalizeFieldSelector(const std::string& s) {
  std::string out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string term = s.substr(start, comma - start);
    if (term.rfind("phase", 0) == 0) term = "status." + term;
    out += (out.empty() ? "" : ",") + term;
    start = comma + 1;
  }
  return out;
}

Status RunDelete(Session& session, const DeleteFlags& f) {
  ASSIGN_OR_RETURN(const std::string default_ns, session.Namespace());
  std::vector<std::pair<std::string, std::string>> targets;  // ns, name
  std::vector<std::string> names = f.args;
  if (!names.empty()) {
    StatusOr<std::string> r = ResourceOf(names[0]);
    if (r.ok()) {
      if (*r != "builds")
        return InvalidArgumentError("only builds can be deleted");
      names.erase(names.begin());
    }
  }
  const int modes = (!names.empty()) + (!f.files.empty()) + f.all;
  if (modes != 1) {
    return InvalidArgumentError(
        "say what to delete: `delete build NAME...`, `delete -f FILE`, or "
        "`delete builds --all [--field-selector phase=Failed]`");
  }
  for (const std::string& n : names) targets.push_back({default_ns, n});
  if (!f.files.empty()) {
    ASSIGN_OR_RETURN(std::vector<Manifest> manifests,
                     LoadManifests(f.files, f.recursive, session.io().in));
    for (const Manifest& m : manifests) {
      const std::string name =
          m.doc.json.value("/metadata/name"_json_pointer, "");
      if (name.empty()) {
        return InvalidArgumentError(m.Name() +
                                    ": metadata.name is required to delete");
      }
      std::string ns = m.doc.json.value("/metadata/namespace"_json_pointer, "");
      targets.push_back({ns.empty() ? default_ns : ns, name});
    }
  }
  if (f.all) {
    std::string query;
    if (!f.field_selector.empty()) {
      query += "&fieldSelector=" +
               UrlEncode(NormalizeFieldSelector(f.field_selector));
    }
    if (!f.selector.empty()) query += "&labelSelector=" + UrlEncode(f.selector);
    ASSIGN_OR_RETURN(
        nlohmann::json list,
        session.Json("GET", BuildsPath(default_ns) +
                                (query.empty() ? "" : "?" + query.substr(1))));
    for (const auto& item : list.value("items", nlohmann::json::array())) {
      targets.push_back(
          {default_ns, item.value("/metadata/name"_json_pointer, "")});
    }
    if (targets.empty()) {
      session.io().err << "No resources found\n";
      return OkStatus();
    }
  }
  Status first = OkStatus();
  for (const auto& [ns, name] : targets) {
    StatusOr<nlohmann::json> r = session.Json("DELETE", BuildPath(ns, name));
    if (!r.ok()) {
      if (f.ignore_not_found && r.status().code() == StatusCode::kNotFound)
        continue;
      session.io().err << r.status().message() << "\n";
      if (first.ok()) first = r.status();
      continue;
    }
    session.io().out << "build.kiln.dev \"" << name << "\" deleted\n";
  }
  if (!first.ok()) return AbortedError("");
  return OkStatus();
}

// ---- wait

struct WaitFlags {
  std::vector<std::string> args;  // [build] NAME...
  std::string for_;
  std::string timeout = "30s";
};

// What --for asks.
struct WaitCondition {
  enum Kind { kCondition, kJsonPath, kDelete } kind = kCondition;
  std::string condition;      // kCondition: type
  std::string want = "True";  // kCondition status / kJsonPath value
  bool any_value = false;     // kJsonPath without "=VALUE"
  std::optional<JsonPath> path;

  static StatusOr<WaitCondition> Parse(const std::string& text) {
    WaitCondition c;
    if (text == "delete") {
      c.kind = kDelete;
      return c;
    }
    if (text.rfind("condition=", 0) == 0) {
      std::string rest = text.substr(10);
      const size_t eq = rest.find('=');
      c.condition = rest.substr(0, eq);
      if (eq != std::string::npos) c.want = rest.substr(eq + 1);
      if (c.condition.empty())
        return InvalidArgumentError("--for=condition=TYPE: TYPE is empty");
      return c;
    }
    if (text.rfind("jsonpath=", 0) == 0) {
      c.kind = kJsonPath;
      std::string rest = text.substr(9);
      const size_t close = rest.rfind('}');
      if (rest.empty() || rest[0] != '{' || close == std::string::npos) {
        return InvalidArgumentError(
            "--for=jsonpath: want jsonpath='{.status.phase}'=Ready");
      }
      ASSIGN_OR_RETURN(c.path, JsonPath::Parse(rest.substr(0, close + 1)));
      std::string value = rest.substr(close + 1);
      if (value.empty()) {
        c.any_value = true;
      } else if (value[0] == '=') {
        c.want = value.substr(1);
      } else {
        return InvalidArgumentError(
            "--for=jsonpath: want ...}=VALUE after the path");
      }
      return c;
    }
    return InvalidArgumentError("--for " + text +
                                ": want condition=TYPE[=STATUS], "
                                "jsonpath='{PATH}'[=VALUE] or delete");
  }

  bool Met(const nlohmann::json& b) const {
    if (kind == kCondition) {
      for (const auto& c : b.value("/status/conditions"_json_pointer,
                                   nlohmann::json::array())) {
        if (c.value("type", "") == condition)
          return c.value("status", "") == want;
      }
      return false;
    }
    if (kind == kJsonPath) {
      for (const nlohmann::json& v : path->Values(b)) {
        if (any_value) return true;
        if ((v.is_string() ? v.get<std::string>() : v.dump()) == want)
          return true;
      }
    }
    return false;
  }
};

Status RunWait(Session& session, const WaitFlags& f, int& exit_code) {
  std::vector<std::string> names = f.args;
  if (!names.empty() && ResourceOf(names[0]).ok()) names.erase(names.begin());
  if (names.empty())
    return InvalidArgumentError("usage: kilnctl wait build NAME --for=...");
  if (f.for_.empty()) return InvalidArgumentError("--for is required");
  ASSIGN_OR_RETURN(const WaitCondition cond, WaitCondition::Parse(f.for_));
  ASSIGN_OR_RETURN(const auto timeout, ParseDuration(f.timeout, "--timeout"));
  ASSIGN_OR_RETURN(const std::string ns, session.Namespace());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::unique_ptr<ApiClient> client, session.NewClient());
    // The watch runs on this thread; a timer interrupts it at the deadline.
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::atomic<bool> timed_out{false};
    std::thread timer([&] {
      std::unique_lock<std::mutex> lock(mu);
      if (!cv.wait_until(lock, deadline, [&] { return done; })) {
        timed_out = true;
        client->Interrupt();
      }
    });
    std::string outcome;  // "met", "gone", "terminal:<phase>"
    std::string detail;
    auto judge = [&](const std::string& type, const nlohmann::json& b) {
      if (type == "DELETED") {
        outcome = "gone";
        return false;
      }
      if (cond.kind != WaitCondition::kDelete && cond.Met(b)) {
        outcome = "met";
        return false;
      }
      const std::string phase = b.value("/status/phase"_json_pointer, "");
      if (cond.kind != WaitCondition::kDelete && IsTerminalPhase(phase)) {
        outcome = "terminal:" + phase;
        detail = b.value("/status/reason"_json_pointer, "");
        const std::string msg = b.value("/status/message"_json_pointer, "");
        if (!msg.empty()) detail += (detail.empty() ? "" : ": ") + msg;
        return false;
      }
      return true;
    };
    Status s = [&]() -> Status {
      HttpRequest req;
      req.path = BuildPath(ns, name);
      ASSIGN_OR_RETURN(HttpResponse resp, client->Do(req));
      if (resp.code == 404) {
        if (cond.kind == WaitCondition::kDelete) {
          outcome = "gone";
          return OkStatus();
        }
        return ResponseStatus(resp);
      }
      RETURN_IF_ERROR(ResponseStatus(resp));
      const nlohmann::json b = nlohmann::json::parse(resp.body, nullptr, false);
      if (!judge("ADDED", b)) return OkStatus();
      return WatchCollection(
          *client, BuildsPath(ns),
          "&fieldSelector=" + UrlEncode("metadata.name=" + name),
          b.value("/metadata/resourceVersion"_json_pointer, ""),
          "application/json", judge);
    }();
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
    }
    cv.notify_all();
    timer.join();
    if (timed_out) {
      return UnavailableError("timed out waiting for the condition on builds/" +
                              name);
    }
    RETURN_IF_ERROR(s);
    if (outcome == "met") {
      session.io().out << "build.kiln.dev/" << name << " condition met\n";
    } else if (outcome == "gone") {
      if (cond.kind != WaitCondition::kDelete) {
        return NotFoundError("build " + name + " was deleted while waiting");
      }
      session.io().out << "build.kiln.dev/" << name << " deleted\n";
    } else if (outcome.rfind("terminal:", 0) == 0) {
      const std::string phase = outcome.substr(9);
      session.io().err << "error: build " << name << " ended " << phase
                       << (detail.empty() ? "" : " (" + detail + ")")
                       << "; the condition can no longer be met\n";
      exit_code = phase == "Cancelled" ? kExitCancelled : kExitFailed;
      return OkStatus();
    }
  }
  return OkStatus();
}

}  // namespace

void AddLogsCommand(CLI::App& root, Session& session, int& exit_code) {
  auto f = std::make_shared<LogsFlags>();
  CLI::App* c = root.add_subcommand(
      "logs", "Print a build's log; -f follows it until the build ends");
  c->add_option("name", f->name, "The Build")->required();
  c->add_flag("-f,--follow", f->follow,
              "Stream new lines as they are written, until the build ends "
              "(resumes by itself after a dropped connection)");
  c->add_option("--tail", f->tail, "Only the last N lines (-1 = all)")
      ->capture_default_str();
  c->add_flag("--timestamps", f->timestamps,
              "Prefix each line with its RFC 3339 time");
  c->callback([&session, &exit_code, f] {
    Status s = RunLogs(session, *f);
    exit_code = s.ok() ? kExitOk : session.Fail(s);
  });
}

void AddCancelCommand(CLI::App& root, Session& session, int& exit_code) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* c = root.add_subcommand(
      "cancel", "Stop running builds (sets spec.cancel; they end Cancelled)");
  c->add_option("names", *names, "Builds to cancel")->required();
  c->callback([&session, &exit_code, names] {
    Status s = RunCancel(session, *names);
    exit_code = s.ok() ? kExitOk : kExitError;
  });
}

void AddDeleteCommand(CLI::App& root, Session& session, int& exit_code) {
  auto f = std::make_shared<DeleteFlags>();
  CLI::App* c = root.add_subcommand(
      "delete",
      "Delete builds by name, by manifest, or all (optionally by phase)");
  c->add_option("args", f->args, "[build] NAME...");
  c->add_option("-f,--filename", f->files,
                "Manifests naming the builds (FILE, DIR or -)");
  c->add_flag("-R,--recursive", f->recursive,
              "With -f DIR: subdirectories too");
  c->add_flag("--all", f->all, "Every build in the namespace");
  c->add_option("--field-selector", f->field_selector,
                "With --all: e.g. phase=Failed, status.phase!=Ready");
  c->add_option("-l,--selector", f->selector, "With --all: label selector");
  c->add_flag("--ignore-not-found", f->ignore_not_found,
              "A missing build is not an error");
  c->callback([&session, &exit_code, f] {
    Status s = RunDelete(session, *f);
    exit_code =
        s.ok() ? kExitOk : (s.message().empty() ? kExitError : session.Fail(s));
  });
}

void AddWaitCommand(CLI::App& root, Session& session, int& exit_code) {
  auto f = std::make_shared<WaitFlags>();
  CLI::App* c = root.add_subcommand("wait",
                                    "Wait until builds meet a condition (exit "
                                    "3/4 if one ends Failed/Cancelled first)");
  c->add_option("args", f->args, "[build] NAME...")->required();
  c->add_option(
       "--for", f->for_,
       "condition=Ready[=True], jsonpath='{.status.phase}'=Ready, or delete")
      ->required();
  c->add_option("--timeout", f->timeout,
                "Give up after this long (e.g. 30s, 10m)")
      ->capture_default_str();
  c->callback([&session, &exit_code, f] {
    exit_code = kExitOk;
    Status s = RunWait(session, *f, exit_code);
    if (!s.ok()) exit_code = session.Fail(s);
  });
}

}  // namespace kiln::kilnctl
