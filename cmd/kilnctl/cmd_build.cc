// kilnctl build DIR: upload DIR, create a Build, follow its log and phase
// changes, and exit with its outcome (exit_codes.h).
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "api_types/quantity.h"
#include "cmd/kilnctl/api_error.h"
#include "cmd/kilnctl/commands.h"
#include "cmd/kilnctl/duration.h"
#include "cmd/kilnctl/exit_codes.h"
#include "cmd/kilnctl/interrupts.h"
#include "cmd/kilnctl/log_stream.h"
#include "cmd/kilnctl/output.h"
#include "cmd/kilnctl/source_upload.h"
#include "cmd/kilnctl/watch.h"

namespace kiln::kilnctl {
namespace {

struct BuildFlags {
  std::string dir;
  std::string dockerfile = "Dockerfile";
  std::string image;
  std::vector<std::string> build_args;
  int64_t cpus = 0;
  std::string memory;
  std::string timeout;
  std::string name;
  bool detach = false;
  bool retry = false;
  std::string retry_for = "30m";
  bool cancel_on_interrupt = false;
};

// A DNS-1123 prefix for generateName from a directory name.
std::string NamePrefix(const std::string& dir) {
  std::string base =
      std::filesystem::absolute(dir).lexically_normal().filename().string();
  if (base.empty())
    base = std::filesystem::absolute(dir).parent_path().filename().string();
  std::string out;
  for (char c : base) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.empty() || !(out[0] >= 'a' && out[0] <= 'z')) out = "build-" + out;
  if (out.size() > 40) out.resize(40);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out + "-";
}

StatusOr<nlohmann::json> BuildObject(const BuildFlags& f, const std::string& ns,
                                     const std::string& digest) {
  nlohmann::json b = {{"apiVersion", "kiln.dev/v1"}, {"kind", "Build"}};
  b["metadata"]["namespace"] = ns;
  if (f.name.empty()) {
    b["metadata"]["generateName"] = NamePrefix(f.dir);
  } else {
    b["metadata"]["name"] = f.name;
  }
  nlohmann::json& spec = b["spec"];
  spec["source"] = {{"archive", {{"digest", digest}}}};
  spec["dockerfile"] = f.dockerfile;
  for (const std::string& kv : f.build_args) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("--build-arg " + kv + ": want KEY=VALUE");
    }
    spec["buildArgs"][kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!f.image.empty()) spec["output"] = {{"image", f.image}};
  if (f.cpus < 0) return InvalidArgumentError("--cpus: must be > 0");
  if (f.cpus > 0) spec["resources"]["cpus"] = f.cpus;
  if (!f.memory.empty()) {
    StatusOr<int64_t> mib = ParseMemoryMiB(f.memory);
    if (!mib.ok()) {
      return InvalidArgumentError("--memory " + f.memory + ": " +
                                  mib.status().message());
    }
    spec["resources"]["memoryMiB"] = *mib;
  }
  if (!f.timeout.empty()) {
    ASSIGN_OR_RETURN(auto t, ParseDuration(f.timeout, "--timeout"));
    if (t.count() < 1000) return InvalidArgumentError("--timeout: at least 1s");
    spec["timeoutSeconds"] = t.count() / 1000;
  }
  return b;
}

// POSTs the Build; with --retry waits out 503s (Retry-After) until
// retry_for has passed.
StatusOr<nlohmann::json> Create(Session& session, const BuildFlags& f,
                                const nlohmann::json& body, int& exit_code) {
  ASSIGN_OR_RETURN(ApiClient * client, session.Client());
  ASSIGN_OR_RETURN(const auto retry_for,
                   ParseDuration(f.retry_for, "--retry-for"));
  const auto give_up = std::chrono::steady_clock::now() + retry_for;
  while (true) {
    HttpRequest req;
    req.method = "POST";
    req.path = BuildsPath(body["metadata"]["namespace"]);
    req.body = body.dump();
    ASSIGN_OR_RETURN(HttpResponse resp, client->Do(req));
    if (resp.code == 201 || resp.code == 200) {
      return nlohmann::json::parse(resp.body, nullptr, false);
    }
    const ApiError e = ParseApiError(resp);
    if (e.code != 503 || !f.retry) {
      if (e.code == 503) exit_code = kExitRejected;
      return ResponseStatus(resp);
    }
    const int64_t wait = std::max<int64_t>(1, e.retry_after);
    if (std::chrono::steady_clock::now() + std::chrono::seconds(wait) >
        give_up) {
      exit_code = kExitRejected;
      return ResourcesExhaustedError(
          e.Text() + "\n  gave up after --retry-for " + f.retry_for);
    }
    session.io().err << "kilnctl: not admitted now: " << e.message
                     << "\nkilnctl: retrying in " << wait << "s (--retry)\n";
    std::this_thread::sleep_for(std::chrono::seconds(wait));
  }
}

Status RunBuild(Session& session, const BuildFlags& f, int& exit_code) {
  Io& io = session.io();
  ASSIGN_OR_RETURN(const std::string ns, session.Namespace());
  if (!std::filesystem::is_directory(f.dir)) {
    return InvalidArgumentError(f.dir +
                                ": not a directory (kilnctl build DIR)");
  }
  // Check flags before uploading anything.
  RETURN_IF_ERROR(
      BuildObject(f, ns, "sha256:" + std::string(64, '0')).status());
  ASSIGN_OR_RETURN(UploadedSource src,
                   UploadSource(session, ns, f.dir, f.dockerfile));
  ASSIGN_OR_RETURN(nlohmann::json body, BuildObject(f, ns, src.digest));
  ASSIGN_OR_RETURN(nlohmann::json created, Create(session, f, body, exit_code));
  const std::string name = created.value("/metadata/name"_json_pointer, "");
  io.err << "build.kiln.dev/" << name << " created\n";
  if (f.detach) {
    io.out << name << "\n";
    return OkStatus();
  }

  // Phase changes on stderr, from a watch on its own client.
  ASSIGN_OR_RETURN(std::unique_ptr<ApiClient> watch_client,
                   session.NewClient());
  std::thread watcher([&] {
    std::string last;
    (void)WatchCollection(
        *watch_client, BuildsPath(ns),
        "&fieldSelector=" + UrlEncode("metadata.name=" + name),
        created.value("/metadata/resourceVersion"_json_pointer, ""),
        "application/json", [&](const std::string&, const nlohmann::json& b) {
          std::string phase = b.value("/status/phase"_json_pointer, "");
          if (phase.empty()) phase = "Pending";
          if (phase != last) {
            const std::string color = io.err_tty ? PhaseColor(phase) : "";
            io.err << "kilnctl: " << name << " is " << color << phase
                   << (color.empty() ? "" : kColorReset) << "\n";
            io.err.flush();
            last = phase;
          }
          return phase != "Ready" && phase != "Failed" && phase != "Cancelled";
        });
  });
  ASSIGN_OR_RETURN(ApiClient * client, session.Client());
  std::atomic<bool> detached{false};
  auto cancel = [&] {
    StatusOr<nlohmann::json> r = session.Json("PATCH", BuildPath(ns, name),
                                              R"({"spec":{"cancel":true}})",
                                              "application/merge-patch+json");
    io.err << (r.ok() ? "kilnctl: cancelling " + name + "\n"
                      : r.status().message() + "\n");
  };
  InterruptScope on_interrupt([&] {
    if (f.cancel_on_interrupt) {
      cancel();
      return;
    }
    if (io.in_tty) {
      io.err << "\ncancel the build " << name << "? [y/N] " << std::flush;
      std::string answer;
      std::getline(io.in, answer);
      if (!answer.empty() && (answer[0] == 'y' || answer[0] == 'Y')) {
        cancel();
        return;
      }
    }
    io.err << "kilnctl: detached; " << name
           << " keeps running (kilnctl logs -f " << name << ")\n";
    detached = true;
    client->Interrupt();
    watch_client->Interrupt();
  });
  LogStreamOptions lo;
  lo.follow = true;
  StatusOr<LogStreamEnd> end = StreamBuildLog(*client, ns, name, lo, io.out);
  // The log ends with the build; the watcher saw (or will see) it too.
  nlohmann::json final_build;
  if (!detached) {
    StatusOr<nlohmann::json> b = session.Json("GET", BuildPath(ns, name));
    if (b.ok()) final_build = *b;
  }
  watch_client->Interrupt();
  watcher.join();
  if (detached) {
    exit_code = 130;
    return OkStatus();
  }
  if (!end.ok()) return end.status();
  const std::string phase =
      final_build.value("/status/phase"_json_pointer, end->phase);
  const std::string reason =
      final_build.value("/status/reason"_json_pointer, end->reason);
  const std::string message =
      final_build.value("/status/message"_json_pointer, end->message);
  if (phase == "Ready") {
    io.out << final_build.value("/status/image/ref"_json_pointer, "") << "@"
           << final_build.value("/status/image/digest"_json_pointer, "")
           << "\n";
    exit_code = kExitOk;
  } else if (phase == "Cancelled") {
    io.err << "kilnctl: " << name << " was cancelled\n";
    exit_code = kExitCancelled;
  } else {
    io.err << "error: build " << name << " "
           << (phase.empty() ? "ended" : phase)
           << (reason.empty() ? "" : " (" + reason + ")")
           << (message.empty() ? "" : ": " + message) << "\n";
    exit_code = kExitFailed;
  }
  return OkStatus();
}

}  // namespace

void AddBuildCommand(CLI::App& root, Session& session, int& exit_code) {
  auto f = std::make_shared<BuildFlags>();
  CLI::App* c = root.add_subcommand(
      "build",
      "Build DIR now: upload it, create a Build, stream its log, exit 0 on "
      "Ready (printing the image), 3 Failed, 4 Cancelled, 5 not admitted");
  c->add_option("dir", f->dir, "The build context (honours DIR/.dockerignore)")
      ->required();
  c->add_option("-f,--file", f->dockerfile, "Dockerfile, relative to DIR")
      ->capture_default_str();
  c->add_option(
      "-t,--tag", f->image,
      "Image to push (default: the server's, REGISTRY/NAMESPACE/NAME)");
  c->add_option("--build-arg", f->build_args, "KEY=VALUE; repeatable");
  c->add_option("--cpus", f->cpus,
                "vCPUs for the builder (default: the server's)");
  c->add_option("--memory", f->memory, "Builder memory, e.g. 2Gi, 512Mi");
  c->add_option("--timeout", f->timeout, "Build deadline, e.g. 10m");
  c->add_option("--name", f->name,
                "Build name (default: DIR's name + a suffix)");
  c->add_flag("-d,--detach", f->detach,
              "Create the Build, print its name, exit");
  c->add_flag("--retry", f->retry,
              "When the node is full (503), wait Retry-After and try again");
  c->add_option("--retry-for", f->retry_for,
                "With --retry: give up after this long")
      ->capture_default_str();
  c->add_flag("--cancel-on-interrupt", f->cancel_on_interrupt,
              "Ctrl-C cancels the build without asking");
  c->callback([&session, &exit_code, f] {
    exit_code = kExitOk;
    Status s = RunBuild(session, *f, exit_code);
    if (!s.ok()) {
      const int code = session.Fail(s);
      if (exit_code == kExitOk) exit_code = code;
    }
  });
}

}  // namespace kiln::kilnctl
