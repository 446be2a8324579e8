#include "controller/apiserver/api_server.h"

#include <memory>
#include <utility>

#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/auth_authenticator.h"

namespace kiln {
namespace {

bool IsLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" ||
         host.rfind("127.", 0) == 0;
}

class ApiServerImpl final : public ApiServer {
 public:
  ApiServerImpl(std::unique_ptr<WatchServer> watch,
                std::unique_ptr<ApiHandler> handler)
      : watch_(std::move(watch)), handler_(std::move(handler)) {}
  ~ApiServerImpl() override { Stop(); }

  Status Listen(const HttpServerOptions& options) {
    ASSIGN_OR_RETURN(http_,
                     HttpServer::Start(options, [this](const HttpRequest& r) {
                       return handler_->Handle(r);
                     }));
    return OkStatus();
  }

  int port() const override { return http_->port(); }
  size_t watchers() const override { return watch_ ? watch_->active() : 0; }

  void Stop() override {
    if (http_) http_->Stop();
    watch_.reset();  // ends open watches
  }

 private:
  std::unique_ptr<WatchServer> watch_;
  std::unique_ptr<ApiHandler> handler_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace

StatusOr<std::unique_ptr<ApiServer>> ApiServer::Create(
    const ApiServerOptions& options, ApiServerDeps deps) {
  if (deps.authenticator == nullptr) {
    return InvalidArgumentError("the API server needs an authenticator");
  }
  if (deps.authenticator->allows_anonymous() &&
      !IsLoopback(options.http.host)) {
    return InvalidArgumentError(
        "--insecure-dev serves without authentication and is only allowed on "
        "a loopback address, not " +
        options.http.host);
  }
  auto watch =
      std::make_unique<WatchServer>(deps.store, deps.clock, options.watch);
  ApiHandlerDeps handler_deps{
      deps.store,   deps.clock, *watch,
      deps.builds,  deps.nodes, std::move(deps.authenticator),
      deps.metrics, deps.logs,  deps.sources};
  auto handler = std::make_unique<ApiHandler>(std::move(handler_deps), options);
  HttpServerOptions http = options.http;
  http.screen_head = [h = handler.get()](const HttpRequest& head) {
    return h->ScreenHead(head);
  };
  auto server =
      std::make_unique<ApiServerImpl>(std::move(watch), std::move(handler));
  RETURN_IF_ERROR(server->Listen(http));
  return std::unique_ptr<ApiServer>(std::move(server));
}

}  // namespace kiln
