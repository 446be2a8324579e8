// The checks made through the API alone: acknowledged creates, the Nodes'
// allocation, Ready events.
#include <map>
#include <thread>

#include "hack/chaos/checks.h"
#include "hack/chaos/load_records.h"
#include "hack/chaos/watch_replay.h"

namespace kiln::chaos {
namespace {

struct Resources {
  int64_t cpus = 0;
  int64_t memory_mib = 0;
  int64_t builds = 0;
  bool operator==(const Resources&) const = default;
};

std::string Describe(const Resources& r) {
  return "cpus=" + std::to_string(r.cpus) +
         " memoryMiB=" + std::to_string(r.memory_mib) +
         " builds=" + std::to_string(r.builds);
}

Resources Allocated(const nlohmann::json& node) {
  const nlohmann::json a =
      node.value("/status/allocated"_json_pointer, nlohmann::json::object());
  return {a.value("cpus", int64_t{0}), a.value("memoryMiB", int64_t{0}),
          a.value("builds", int64_t{0})};
}

// Node name -> the sum of the requests of its non-terminal Builds.
std::map<std::string, Resources> Held(const nlohmann::json& builds,
                                      const std::string& default_node) {
  std::map<std::string, Resources> held;
  for (const nlohmann::json& b : builds.value("items", nlohmann::json())) {
    if (IsTerminalPhase(b.value("/status/phase"_json_pointer, ""))) continue;
    std::string node = b.value("/status/nodeName"_json_pointer, "");
    if (node.empty()) node = default_node;
    Resources& r = held[node];
    r.cpus += b.value("/spec/resources/cpus"_json_pointer, int64_t{0});
    r.memory_mib +=
        b.value("/spec/resources/memoryMiB"_json_pointer, int64_t{0});
    r.builds += 1;
  }
  return held;
}

// Node name -> resourceVersion, to tell whether a Node changed meanwhile.
std::map<std::string, std::string> NodeVersions(const nlohmann::json& nodes) {
  std::map<std::string, std::string> v;
  for (const nlohmann::json& n : nodes.value("items", nlohmann::json())) {
    v[n.value("/metadata/name"_json_pointer, "")] =
        n.value("/metadata/resourceVersion"_json_pointer, "");
  }
  return v;
}

// Passes every listed Build through the terminal record; returns name ->
// uid.
std::map<std::string, std::string> ObserveListed(const CheckContext& ctx,
                                                 const nlohmann::json& list) {
  std::map<std::string, std::string> uid_of;
  for (const nlohmann::json& b : list.value("items", nlohmann::json())) {
    const BuildView v = ViewOf(b);
    const std::string name = b.value("/metadata/name"_json_pointer, "");
    uid_of[name] = v.uid;
    const std::string problem =
        ctx.terminal->Observe(v.uid, v.key, v.phase, v.rv, "list");
    if (problem.empty()) {
      ctx.report->Ran("terminal-phase");
    } else {
      ctx.report->Violation("terminal-phase", problem);
    }
  }
  return uid_of;
}

}  // namespace

Status CheckCreates(const CheckContext& ctx) {
  // Creates first, then the list, then deletes: a create acknowledged
  // before the list must be in it unless a delete was sent before the list.
  const std::vector<CreateRecord> creates = ReadCreates(ctx.state_dir);
  ASSIGN_OR_RETURN(nlohmann::json list, ctx.Get(ctx.BuildsPath()));
  const std::set<std::string> deleted = ReadDeletes(ctx.state_dir);
  const std::map<std::string, std::string> uid_of = ObserveListed(ctx, list);
  for (const CreateRecord& c : creates) {
    const auto it = uid_of.find(c.name);
    std::string problem;
    if (c.code == 201) {
      if (deleted.count(c.name) != 0) continue;
      if (it == uid_of.end()) {
        problem = "build " + c.name + " (201, uid " + c.uid +
                  ") is gone but was never deleted";
      } else if (c.uid != "-" && it->second != c.uid) {
        problem = "build " + c.name + " has uid " + it->second +
                  ", the create answered " + c.uid;
      }
    } else if (c.code == 503 || c.code == 422) {
      if (it != uid_of.end()) {
        problem =
            "build " + c.name + " exists after HTTP " + std::to_string(c.code);
      } else if (c.code == 503 && c.retry_after == "-") {
        problem = "503 for " + c.name + " without Retry-After";
      }
    } else {
      continue;  // the answer was lost: either outcome is right
    }
    if (problem.empty()) {
      ctx.report->Ran("creates");
    } else {
      ctx.report->Violation(
          c.code == 201 ? "acknowledged-create" : "refused-create", problem);
    }
  }
  return OkStatus();
}

Status CheckAllocation(const CheckContext& ctx) {
  // Node, Builds, Node again: allocation changes write the Node in the same
  // transaction as the phase, so an unchanged Node means the Builds list in
  // between is consistent with it.
  for (int attempt = 0; attempt < 20; ++attempt) {
    ASSIGN_OR_RETURN(nlohmann::json before, ctx.Get("/apis/kiln.dev/v1/nodes"));
    ASSIGN_OR_RETURN(nlohmann::json builds,
                     ctx.Get("/apis/kiln.dev/v1/builds"));
    ASSIGN_OR_RETURN(nlohmann::json after, ctx.Get("/apis/kiln.dev/v1/nodes"));
    if (NodeVersions(before) != NodeVersions(after)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    const nlohmann::json items = after.value("items", nlohmann::json::array());
    const std::string first_node =
        items.empty() ? "" : items[0].value("/metadata/name"_json_pointer, "");
    const std::map<std::string, Resources> held = Held(builds, first_node);
    for (const nlohmann::json& n : items) {
      const std::string name = n.value("/metadata/name"_json_pointer, "");
      const auto it = held.find(name);
      const Resources want = it == held.end() ? Resources{} : it->second;
      const Resources got = Allocated(n);
      if (!(got == want) || (ctx.final_check && !(got == Resources{}))) {
        ctx.report->Violation("allocation", "node " + name + " allocated " +
                                                Describe(got) +
                                                ", its non-terminal builds "
                                                "hold " +
                                                Describe(want));
      } else {
        ctx.report->Ran("allocation");
      }
    }
    return OkStatus();
  }
  ctx.report->Note("allocation: the Node changed on every read; not checked");
  return OkStatus();
}

Status CheckReadyEvents(const CheckContext& ctx) {
  ASSIGN_OR_RETURN(
      nlohmann::json events,
      ctx.Get("/apis/kiln.dev/v1/namespaces/" + ctx.namespace_ + "/events"));
  std::map<std::string, int64_t> ready;  // uid -> Ready transitions
  for (const nlohmann::json& e : events.value("items", nlohmann::json())) {
    if (e.value("reason", "") != "Ready") continue;
    ready[e.value("/involvedObject/uid"_json_pointer, "")] +=
        e.value("count", int64_t{1});
  }
  for (const auto& [uid, count] : ready) {
    if (count > 1) {
      ctx.report->Violation("ready-once", "build uid " + uid + " has " +
                                              std::to_string(count) +
                                              " Ready events");
    } else {
      ctx.report->Ran("ready-once");
    }
  }
  return OkStatus();
}

}  // namespace kiln::chaos
