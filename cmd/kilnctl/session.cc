#include "cmd/kilnctl/session.h"

#include <cstdio>

#include "cmd/kilnctl/api_error.h"
#include "cmd/kilnctl/exit_codes.h"

namespace kiln::kilnctl {

std::string UrlEncode(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string BuildsPath(const std::string& ns) {
  if (ns.empty()) return std::string(kGroupVersion) + "/builds";
  return std::string(kGroupVersion) + "/namespaces/" + UrlEncode(ns) +
         "/builds";
}

std::string BuildPath(const std::string& ns, const std::string& name) {
  return BuildsPath(ns) + "/" + UrlEncode(name);
}

StatusOr<const ClientConfig*> Session::Config() {
  if (!config_) {
    ASSIGN_OR_RETURN(ClientConfig c, LoadClientConfig(flags_, env_));
    config_ = std::make_unique<ClientConfig>(std::move(c));
  }
  return config_.get();
}

StatusOr<std::string> Session::Namespace() {
  ASSIGN_OR_RETURN(const ClientConfig* c, Config());
  return c->namespace_;
}

StatusOr<std::unique_ptr<ApiClient>> Session::NewClient() {
  ASSIGN_OR_RETURN(const ClientConfig* c, Config());
  // Streams resume after this much silence (kilnd's SSE heartbeats come
  // every 15 s; watches get bookmarks).
  return NewApiClient(*c, std::chrono::seconds(60));
}

StatusOr<ApiClient*> Session::Client() {
  if (!client_) {
    ASSIGN_OR_RETURN(client_, NewClient());
  }
  return client_.get();
}

StatusOr<nlohmann::json> Session::Json(const std::string& method,
                                       const std::string& path,
                                       const std::string& body,
                                       const std::string& content_type) {
  ASSIGN_OR_RETURN(ApiClient * client, Client());
  HttpRequest req;
  req.method = method;
  req.path = path;
  req.body = body;
  req.content_type = content_type;
  ASSIGN_OR_RETURN(HttpResponse resp, client->Do(req));
  RETURN_IF_ERROR(ResponseStatus(resp));
  nlohmann::json j = nlohmann::json::parse(resp.body, nullptr, false);
  if (j.is_discarded()) {
    return InternalError("the server's answer to " + method + " " + path +
                         " is not JSON");
  }
  return j;
}

int Session::Fail(const Status& status) {
  if (IsInterrupted(status)) return kExitError;
  std::string msg = status.message();
  if (msg.rfind("Error from server", 0) != 0) msg = "error: " + msg;
  io_.err << msg << "\n";
  io_.err.flush();
  return status.code() == StatusCode::kResourcesExhausted ? kExitRejected
                                                          : kExitError;
}

}  // namespace kiln::kilnctl
