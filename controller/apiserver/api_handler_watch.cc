// ApiHandler: ?watch=true for every resource — selectors, resume from a
// resourceVersion, timeouts, bookmarks, Table-encoded events — handed to
// the WatchServer.
#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "api_types/build_json.h"
#include "api_types/event_json.h"
#include "api_types/node_json.h"
#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/field_selector.h"

namespace kiln {
namespace {

// The table of one stored object of `resource`, for watch events.
nlohmann::json ObjectTable(const std::string& resource,
                           const nlohmann::json& object, Timestamp now,
                           const TableOptions& options) {
  DecodeOptions lenient;
  lenient.require_type_meta = false;
  if (resource == "builds") {
    auto b = BuildFromJson(object, lenient);
    if (b.ok()) return ToTable(*b, now, options);
  } else if (resource == "nodes") {
    auto n = NodeFromJson(object, lenient);
    if (n.ok()) return ToTable(*n, now, options);
  } else if (resource == "events") {
    auto e = EventFromJson(object, lenient);
    if (e.ok()) return ToTable(*e, now, options);
  }
  return object;
}

}  // namespace

HttpResponse ApiHandler::Watch(const HttpRequest& request,
                               const RequestInfo& info, const UserInfo& user) {
  WatchRequest w;
  w.store.scope.resource = info.resource;
  if (!info.namespace_.empty()) w.store.scope.namespace_ = info.namespace_;
  auto selector = LabelSelector::Parse(request.Query("labelSelector"));
  if (!selector.ok()) return Error(selector.status(), info, true);
  w.store.selector = *selector;
  auto fields = ParseFieldSelector(request.Query("fieldSelector"), true);
  if (!fields.ok()) return Error(fields.status(), info, true);
  if (!info.name.empty()) {
    fields->push_back({"metadata.name", info.name, false});
  }
  if (!fields->empty()) {
    w.filter = [reqs = *fields](const nlohmann::json& o) {
      return FieldsMatch(reqs, o);
    };
  }
  auto rv = IntegerParameter(request, "resourceVersion", 0);
  if (!rv.ok()) return Error(rv.status(), info, true);
  if (!rv->has_value() || **rv == 0) {
    w.send_initial = true;
  } else {
    w.store.from_revision = **rv;
  }
  auto timeout = IntegerParameter(request, "timeoutSeconds", 0);
  if (!timeout.ok()) return Error(timeout.status(), info, true);
  if (timeout->has_value()) {
    w.timeout = std::chrono::seconds(std::max<int64_t>(1, **timeout));
  }
  w.allow_bookmarks = request.Query("allowWatchBookmarks") == "true";
  w.client_key = user.name + "@" + request.remote_address;
  w.api_version = "kiln.dev/v1";
  w.kind = info.resource == "builds"  ? "Build"
           : info.resource == "nodes" ? "Node"
                                      : "Event";
  if (WantsTable(request.Header("accept"))) {
    auto options = TableOptionsOf(request);
    if (!options.ok()) return Error(options.status(), info, true);
    Clock* clock = &clock_;
    w.transform = [resource = info.resource, options = *options,
                   clock](const nlohmann::json& object) {
      return ObjectTable(resource, object, NowSeconds(*clock), options);
    };
  }
  auto response = watch_.Serve(std::move(w));
  if (!response.ok()) {
    if (response.status().code() == StatusCode::kResourcesExhausted) {
      return TooManyRequests(response.status().message());
    }
    return Error(response.status(), info);
  }
  return std::move(*response);
}

}  // namespace kiln
