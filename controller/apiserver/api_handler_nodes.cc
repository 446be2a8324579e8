// ApiHandler: the read-only resources — nodes (over NodeStorage) and events
// (straight from the Store).
#include <utility>
#include <vector>

#include "api_types/event_json.h"
#include "api_types/node_json.h"
#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/discovery.h"
#include "controller/apiserver/node_list.h"

namespace kiln {

HttpResponse ApiHandler::HandleNodes(const HttpRequest& request,
                                     const RequestInfo& info) {
  if (info.verb == "get" && info.subresource.empty()) {
    auto node = nodes_.Get(info.name);
    if (!node.ok()) return Error(node.status(), info);
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(*node, NowSeconds(clock_), o);
        },
        ToJson(*node));
  }
  if (info.verb == "list") {
    auto selector = LabelSelector::Parse(request.Query("labelSelector"));
    if (!selector.ok()) return Error(selector.status(), info, true);
    auto limit = LimitOf(request);
    if (!limit.ok()) return Error(limit.status(), info, true);
    auto list = nodes_.List(*selector, *limit, request.Query("continue"));
    // A bad continue token is a bad request (400).
    if (!list.ok()) {
      return Error(list.status(), info,
                   list.status().code() == StatusCode::kInvalidArgument);
    }
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(list->items, list->metadata, NowSeconds(clock_), o);
        },
        ToJson(*list));
  }
  return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                             AllowedMethods(info)));
}

HttpResponse ApiHandler::HandleEvents(const HttpRequest& request,
                                      const RequestInfo& info) {
  if (info.verb == "list") {
    ListOptions o;
    o.scope.resource = "events";
    if (!info.namespace_.empty()) o.scope.namespace_ = info.namespace_;
    auto list = store_.List(o);
    if (!list.ok()) return Error(list.status(), info);
    ListMeta meta;
    meta.resource_version = std::to_string(list->revision);
    nlohmann::json items = nlohmann::json::array();
    std::vector<Event> events;
    for (auto& obj : list->items) {
      if (StatusOr<Event> e = EventFromJson(obj.value); e.ok()) {
        events.push_back(*std::move(e));
      }
      items.push_back(std::move(obj.value));
    }
    return Respond(request, info,
                   [&](const TableOptions& t) {
                     return ToTable(events, meta, NowSeconds(clock_), t);
                   },
                   {{"apiVersion", "kiln.dev/v1"},
                    {"kind", "EventList"},
                    {"metadata", {{"resourceVersion", meta.resource_version}}},
                    {"items", std::move(items)}});
  }
  if (info.verb == "get") {
    auto obj = store_.Get({"events", info.namespace_, info.name});
    if (!obj.ok()) return Error(obj.status(), info);
    StatusOr<Event> event = EventFromJson(obj->value);
    if (!event.ok()) return Object(request, 200, obj->value);
    return Respond(
        request, info,
        [&](const TableOptions& t) {
          return ToTable(*event, NowSeconds(clock_), t);
        },
        obj->value);
  }
  return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                             AllowedMethods(info)));
}

}  // namespace kiln
