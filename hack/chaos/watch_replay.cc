#include "hack/chaos/watch_replay.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <sstream>

#include "controller/base/files.h"
#include "hack/chaos/load_records.h"

namespace kiln::chaos {
namespace {

namespace fs = std::filesystem;

int64_t RvOf(const nlohmann::json& object) {
  const std::string rv =
      object.value("/metadata/resourceVersion"_json_pointer, "");
  try {
    return rv.empty() ? 0 : std::stoll(rv);
  } catch (const std::exception&) {
    return -1;
  }
}

// Segment numbers with their kind ("list" or "watch"), in order.
std::vector<std::pair<std::string, std::string>> Segments(
    const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> segments;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const size_t dot = name.find('.');
    if (dot == std::string::npos) continue;
    const std::string kind = name.substr(dot + 1);
    if (kind == "list.json") segments.push_back({name.substr(0, dot), "list"});
    if (kind == "watch.jsonl") {
      segments.push_back({name.substr(0, dot), "watch"});
    }
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

// A list segment reduced to what the replay uses.
struct ListedViews {
  int64_t rv = 0;
  std::vector<BuildView> items;
};

// PREFIX.list.json as views, through the PREFIX.list.views cache (a list
// is large and never changes once written; every replay would parse it
// again). nullopt when the list does not decode.
std::optional<ListedViews> ReadList(const std::string& prefix) {
  ListedViews views;
  std::istringstream cached(ReadFileOrEmpty(prefix + ".list.views"));
  if (cached >> views.rv) {
    BuildView v;
    while (cached >> v.key >> v.uid >> v.phase >> v.rv) {
      if (v.uid == "-") v.uid.clear();
      if (v.phase == "-") v.phase.clear();
      views.items.push_back(v);
    }
    return views;
  }
  const nlohmann::json list = nlohmann::json::parse(
      ReadFileOrEmpty(prefix + ".list.json"), nullptr, false);
  if (!list.is_object()) return std::nullopt;
  views.rv = RvOf(list);
  std::string text = std::to_string(views.rv) + "\n";
  for (const nlohmann::json& item : list.value("items", nlohmann::json())) {
    views.items.push_back(ViewOf(item));
    const BuildView& v = views.items.back();
    text += v.key + " " + (v.uid.empty() ? "-" : v.uid) + " " +
            (v.phase.empty() ? "-" : v.phase) + " " + std::to_string(v.rv) +
            "\n";
  }
  (void)WriteFileAtomically(prefix + ".list.views", text, 0644);  // a cache
  return views;
}

class Replayer {
 public:
  Replayer(std::string dir, int64_t cutoff)
      : dir_(std::move(dir)), cutoff_(cutoff) {}

  ReplayResult Run() {
    for (const auto& [number, kind] : Segments(dir_)) {
      ++r_.segments;
      if (kind == "list" ? !List(number) : !Watch(number)) break;
    }
    return std::move(r_);
  }

 private:
  // Each returns false when the replay reached the cutoff.
  bool List(const std::string& number) {
    std::optional<ListedViews> list = ReadList(dir_ + "/" + number);
    if (!list) {
      r_.problems.push_back("list " + number + " does not decode");
      return true;
    }
    if (list->rv > cutoff_) return Stop();
    r_.state.clear();
    for (const BuildView& view : list->items) {
      r_.state[view.key] = view;
      r_.observations.push_back({view, "list " + number});
    }
    r_.progress = list->rv;
    r_.need_list = false;
    return true;
  }

  bool Watch(const std::string& number) {
    const std::string from_text =
        ReadFileOrEmpty(dir_ + "/" + number + ".from");
    const int64_t from = std::atoll(from_text.c_str());
    if (r_.need_list || from != r_.progress) {
      r_.problems.push_back(
          "watch " + number + " resumed from rv " + std::to_string(from) +
          " but the stream was " +
          (r_.need_list ? "expired" : "at rv " + std::to_string(r_.progress)));
    }
    const std::string path = dir_ + "/" + number + ".watch.jsonl";
    std::vector<std::string> lines = CompleteLines(path);
    if (lines.empty()) {
      // A refused watch is one Status body without a newline; anything
      // else is a first event cut short.
      const nlohmann::json body =
          nlohmann::json::parse(ReadFileOrEmpty(path), nullptr, false);
      if (body.is_object() && body.value("kind", "") == "Status") {
        Control(number, body);
      }
      return true;
    }
    for (const std::string& line : lines) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
      if (!event.is_object()) {
        r_.problems.push_back("watch " + number + ": undecodable line");
        return true;
      }
      if (!Event(number, event)) return false;
      if (r_.need_list) return true;  // a 410 ends the segment
    }
    return true;
  }

  // True when `event` was a refusal or an ERROR event (handled here).
  bool Control(const std::string& number, const nlohmann::json& event) {
    if (event.value("kind", "") == "Status") {  // the watch was refused
      if (event.value("code", 0) == 410) Expire();
      return true;
    }
    if (event.value("type", "") != "ERROR") return false;
    const nlohmann::json object =
        event.value("object", nlohmann::json::object());
    if (object.value("code", 0) == 410) {
      Expire();
    } else {
      r_.problems.push_back("watch " + number + ": ERROR " + object.dump());
    }
    return true;
  }

  bool Event(const std::string& number, const nlohmann::json& event) {
    if (Control(number, event)) return true;
    const std::string type = event.value("type", "");
    const nlohmann::json object =
        event.value("object", nlohmann::json::object());
    const int64_t rv = RvOf(object);
    if (rv > cutoff_) return Stop();
    if (type == "BOOKMARK") {
      r_.progress = std::max(r_.progress, rv);
      return true;
    }
    ++r_.events;
    const BuildView view = ViewOf(object);
    if (rv <= r_.progress) {
      r_.problems.push_back(
          "watch " + number + ": " + type + " " + view.key + " at rv " +
          std::to_string(rv) + " does not come after rv " +
          std::to_string(r_.progress) + " (replayed or out of order)");
    }
    r_.progress = std::max(r_.progress, rv);
    r_.observations.push_back({view, "watch " + number});
    if (type == "DELETED") {
      r_.state.erase(view.key);
    } else {
      r_.state[view.key] = view;
    }
    return true;
  }

  void Expire() {
    ++r_.expired;
    r_.need_list = true;
    r_.state.clear();
  }

  bool Stop() {
    r_.reached_cutoff = true;
    return false;
  }

  const std::string dir_;
  const int64_t cutoff_;
  ReplayResult r_;
};

}  // namespace

BuildView ViewOf(const nlohmann::json& object) {
  BuildView v;
  v.key = object.value("/metadata/namespace"_json_pointer, "") + "/" +
          object.value("/metadata/name"_json_pointer, "");
  v.uid = object.value("/metadata/uid"_json_pointer, "");
  v.phase = object.value("/status/phase"_json_pointer, "");
  v.rv = RvOf(object);
  return v;
}

ReplayResult Replay(const std::string& watch_dir, int64_t cutoff) {
  return Replayer(watch_dir, cutoff).Run();
}

}  // namespace kiln::chaos
