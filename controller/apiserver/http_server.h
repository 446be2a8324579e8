// HttpServer: serves an HttpHandler over HTTP/1.1 (plain or TLS) on an
// event loop (cpprestsdk/asio underneath: many watch streams do not each
// hold a thread).
//
// Thread-safety: the handler is called concurrently from server threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api_types/status.h"
#include "controller/apiserver/http.h"

namespace kiln {

// What the server decides from a request's head (method, path, query and
// headers; no body yet), before it reads a byte of the body.
struct HeadDecision {
  // Larger bodies get 413.
  size_t max_body_bytes = 3 << 20;
  // Set: answered with this at once, the body never read (an
  // unauthenticated client, or one over its request cap).
  std::optional<HttpResponse> reply;
  // Kept until the response is handed back (a per-client request slot).
  std::shared_ptr<void> hold;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 6443;  // 0 = pick a free port (see HttpServer::port())
  // TLS when both are set (PEM files); plain HTTP otherwise.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Larger bodies get 413 before the handler runs.
  size_t max_body_bytes = 3 << 20;
  // When set, decides each request from its head instead of
  // max_body_bytes: e.g. a larger limit for source uploads, a 401 before an
  // unauthenticated body is read. Called on server threads; must not
  // block.
  std::function<HeadDecision(const HttpRequest& head)> screen_head;
  // A streaming response whose unsent bytes exceed this is closed.
  size_t max_stream_buffer_bytes = 4 << 20;
  // Threads that run the handler. Network I/O has its own threads, so a
  // handler that blocks (a durable commit, a slow disk) never stalls the
  // reading and writing of other requests and open watch streams.
  size_t handler_threads = 16;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The bound port (the chosen one when options.port was 0).
  virtual int port() const = 0;
  // Stops accepting, closes open streams. Idempotent.
  virtual void Stop() = 0;

  // Starts serving `handler`. Unavailable when the address cannot be bound;
  // InvalidArgument for bad options (e.g. unreadable TLS files).
  static StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options, HttpHandler handler);
};

}  // namespace kiln
