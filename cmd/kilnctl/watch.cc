#include "cmd/kilnctl/watch.h"

#include <chrono>
#include <thread>

#include "cmd/kilnctl/api_error.h"

namespace kiln::kilnctl {

Status WatchCollection(
    ApiClient& client, const std::string& path, const std::string& query,
    std::string resource_version, const std::string& accept,
    const std::function<bool(const std::string&, const nlohmann::json&)>&
        on_event) {
  int failures = 0;
  bool stop = false;
  while (!stop) {
    HttpRequest req;
    req.accept = accept;
    req.path =
        path + "?watch=1&allowWatchBookmarks=true" + query +
        (resource_version.empty() ? ""
                                  : "&resourceVersion=" + resource_version);
    std::string pending;
    bool got_bytes = false;
    Status watch_error = OkStatus();
    StatusOr<HttpResponse> resp = client.Stream(req, [&](std::string_view b) {
      got_bytes = true;
      pending.append(b);
      size_t start = 0;
      for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
           start = nl + 1) {
        const nlohmann::json e = nlohmann::json::parse(
            pending.begin() + static_cast<long>(start),
            pending.begin() + static_cast<long>(nl), nullptr, false);
        if (!e.is_object()) continue;
        const std::string type = e.value("type", "");
        const nlohmann::json& obj = e.contains("object") ? e["object"] : e;
        std::string rv =
            obj.value("/metadata/resourceVersion"_json_pointer, "");
        if (type == "ERROR") {
          stop = true;
          if (obj.value("code", 0) == 410) {
            resource_version = "410";
          } else {
            watch_error =
                UnavailableError("watch: " + obj.value("message", ""));
          }
          break;
        }
        if (!rv.empty()) resource_version = rv;
        if (type == "BOOKMARK") continue;
        if (!on_event(type, obj)) {
          stop = true;
          break;
        }
      }
      pending.erase(0, start);
      return !stop;
    });
    RETURN_IF_ERROR(watch_error);
    if (resource_version == "410") {
      return OutOfRangeError(
          "the watch fell behind kilnd's window; list again");
    }
    if (resp.ok()) {
      if (resp->code == 410) {
        return OutOfRangeError(
            "the watch fell behind kilnd's window; list again");
      }
      RETURN_IF_ERROR(ResponseStatus(*resp));
    } else if (resp.status().code() != StatusCode::kUnavailable) {
      return resp.status();
    }
    if (stop) break;
    failures = got_bytes ? 0 : failures + 1;
    if (failures > 30) {
      return resp.ok() ? UnavailableError("the watch keeps closing")
                       : resp.status();
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(2000, 100 * failures)));
  }
  return OkStatus();
}

}  // namespace kiln::kilnctl
