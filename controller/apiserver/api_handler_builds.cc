// ApiHandler: the builds resource (get, list, deletecollection, create,
// update, patch, delete, and the status subresource) over BuildStorage.
#include <optional>
#include <string>

#include "api_types/build_json.h"
#include "api_types/build_list_json.h"
#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/discovery.h"
#include "controller/apiserver/field_selector.h"

namespace kiln {

HttpResponse ApiHandler::HandleBuilds(const HttpRequest& request,
                                      const RequestInfo& info,
                                      const UserInfo& user) {
  if (info.subresource == "log" && info.verb == "get") {
    return HandleLog(request, info, user);
  }
  const bool status_sub = info.subresource == "status";
  if (!info.subresource.empty() && !status_sub) {
    return Error(NotFoundError("the " + info.subresource +
                               " subresource is not served yet"),
                 info);
  }
  const std::string& verb = info.verb;
  if (verb == "get") {
    auto build = builds_.Get(info.namespace_, info.name);
    if (!build.ok()) return Error(build.status(), info);
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(*build, NowSeconds(clock_), o);
        },
        ToJson(*build));
  }
  if (verb == "list" || verb == "deletecollection") {
    auto selector = LabelSelector::Parse(request.Query("labelSelector"));
    if (!selector.ok()) return Error(selector.status(), info, true);
    auto fields = ParseFieldSelector(request.Query("fieldSelector"), false);
    if (!fields.ok()) return Error(fields.status(), info, true);
    auto limit = LimitOf(request);
    if (!limit.ok()) return Error(limit.status(), info, true);
    std::optional<std::string> ns;
    if (!info.namespace_.empty()) ns = info.namespace_;
    auto list = builds_.List(ns, *selector, *limit, request.Query("continue"));
    // The only client input List decodes is the continue token: a bad one
    // is a bad request (400), as kube-apiserver answers.
    if (!list.ok()) {
      return Error(list.status(), info,
                   list.status().code() == StatusCode::kInvalidArgument);
    }
    if (!fields->empty()) {
      std::erase_if(list->items, [&](const Build& b) {
        return !FieldsMatch(*fields, ToJson(b));
      });
    }
    if (verb == "deletecollection") {
      for (const Build& b : list->items) {
        auto gone = builds_.Delete(b.metadata.namespace_, b.metadata.name,
                                   std::nullopt, std::nullopt);
        if (!gone.ok() && gone.status().code() != StatusCode::kNotFound) {
          return Error(gone.status(), info);
        }
      }
    }
    return Respond(
        request, info,
        [&](const TableOptions& o) {
          return ToTable(*list, NowSeconds(clock_), o);
        },
        ToJson(*list));
  }
  if (verb == "create" || verb == "update") {
    auto body = DecodeBody(request);
    if (!body.ok()) return Error(body.status(), info, true);
    auto result =
        verb == "create"
            ? builds_.Create(info.namespace_, *body, WriteOptionsOf(request))
            : builds_.Update(info.namespace_, info.name, *body, status_sub,
                             WriteOptionsOf(request));
    if (!result.ok()) return Error(result.status(), info);
    return Object(request, result->created ? 201 : 200, ToJson(result->build));
  }
  if (verb == "patch") {
    auto body_type =
        RequestBodyType(request.method, request.Header("content-type"));
    PatchType type = body_type == BodyType::kJsonPatch    ? PatchType::kJson
                     : body_type == BodyType::kApplyPatch ? PatchType::kApply
                                                          : PatchType::kMerge;
    auto result = builds_.Patch(info.namespace_, info.name, type, request.body,
                                status_sub, WriteOptionsOf(request));
    if (!result.ok()) return Error(result.status(), info);
    return Object(request, result->created ? 201 : 200, ToJson(result->build));
  }
  if (verb == "delete") {
    std::optional<std::string> rv, uid;
    if (!request.body.empty()) {
      auto opts = DecodeBody(request);
      if (!opts.ok()) return Error(opts.status(), info, true);
      // DeleteOptions: anything but an object with an object
      // "preconditions" carries no preconditions (value() would throw).
      const auto pre_it =
          opts->is_object() ? opts->find("preconditions") : opts->end();
      if (pre_it != opts->end() && pre_it->is_object()) {
        const nlohmann::json& pre = *pre_it;
        if (pre.contains("resourceVersion") &&
            pre["resourceVersion"].is_string()) {
          rv = pre["resourceVersion"].get<std::string>();
        }
        if (pre.contains("uid") && pre["uid"].is_string()) {
          uid = pre["uid"].get<std::string>();
        }
      }
    }
    auto gone = builds_.Delete(info.namespace_, info.name, rv, uid);
    if (!gone.ok()) return Error(gone.status(), info);
    return Object(request, 200, ToJson(*gone));
  }
  return FromHttpError(MethodNotAllowedError(request.method, request.path,
                                             AllowedMethods(info)));
}

}  // namespace kiln
