// The only file that knows cpprestsdk: serves an HttpHandler with
// web::http::experimental::listener::http_listener (asio). Streaming bodies
// use a producer_consumer_buffer flushed per write, so an open watch holds
// buffer memory, not a thread. cpprestsdk never reports a vanished client
// (can_write() stays true), so each stream's unsent bytes are capped.
#include <arpa/inet.h>
#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>
#include <netinet/in.h>
#include <pplx/threadpool.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "controller/apiserver/http_request_head.h"
#include "controller/apiserver/http_server.h"
#include "controller/base/thread_pool.h"

namespace kiln {
namespace {

namespace http = web::http;
using Listener = web::http::experimental::listener::http_listener;
using ListenerConfig = web::http::experimental::listener::http_listener_config;
using Buffer = concurrency::streams::producer_consumer_buffer<uint8_t>;

// cpprestsdk's I/O threads: they only parse, read and write; handlers run
// on the server's own pool (HttpServerOptions::handler_threads).
constexpr size_t kServerThreads = 8;

// Bytes of a request body read per continuation.
constexpr size_t kReadChunk = 256 << 10;

// Observes a task's outcome without blocking. Server threads must never
// wait() on a cpprestsdk task: its continuation needs a pool thread, and a
// pool full of waiting threads deadlocks (seen with a few dozen watches).
// A failure here means the peer went away, which the stream cap and the
// watch timeout already handle, so there is nothing to report.
template <typename T>
void Detach(pplx::task<T> task) {
  task.then([](pplx::task<T> done) {
    try {
      done.wait();
    } catch (const std::exception&) {
      // Peer gone; see above.
    }
  });
}

// Sets a byte body. cpprestsdk's std::string overloads read a string buffer
// through a streambuf<unsigned char> (undefined behaviour UBSan reports), so
// bodies always go in as bytes.
void SetBody(http::http_response& resp, const std::string& body,
             const std::string& content_type) {
  std::vector<unsigned char> bytes(body.begin(), body.end());
  const size_t length = bytes.size();
  resp.set_body(
      concurrency::streams::bytestream::open_istream(std::move(bytes)), length,
      content_type);
}

// Replies with a complete body (see SetBody).
void ReplyWith(http::http_request& req, http::status_code code,
               const std::string& body, const std::string& content_type) {
  http::http_response resp(code);
  SetBody(resp, body, content_type);
  Detach(req.reply(resp));
}

// A Kubernetes Status body for an error the adapter answers itself.
std::string FailureBody(int code, const std::string& reason,
                        const std::string& message) {
  return nlohmann::json{{"kind", "Status"},
                        {"apiVersion", "v1"},
                        {"metadata", nlohmann::json::object()},
                        {"status", "Failure"},
                        {"message", message},
                        {"reason", reason},
                        {"code", code}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Picks a free loopback-or-host port for options.port == 0 (cpprestsdk
// does not report the port it bound).
StatusOr<int> PickFreePort(const std::string& host) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return UnavailableError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return UnavailableError("cannot bind " + host + ":0");
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

class CpprestStream final : public ResponseStream {
 public:
  explicit CpprestStream(size_t cap) : cap_(cap) {}
  ~CpprestStream() override { Close(); }

  Buffer& buffer() { return buf_; }

  bool Write(std::string_view chunk) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return false;
    if (buf_.in_avail() + chunk.size() > cap_) {
      lock.unlock();
      Close();  // a client that does not read is treated as gone
      return false;
    }
    // producer_consumer_buffer copies in putn and publishes in sync before
    // returning; only their bookkeeping continuations run later.
    Detach(buf_.putn_nocopy(reinterpret_cast<const uint8_t*>(chunk.data()),
                            chunk.size()));
    Detach(buf_.sync());
    return true;
  }

  void Close() override {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
      callbacks.swap(on_close_);
      Detach(buf_.close(std::ios_base::out));
    }
    for (auto& cb : callbacks) cb();
  }

  bool closed() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }

  void OnClose(std::function<void()> on_close) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!closed_) {
        on_close_.push_back(std::move(on_close));
        return;
      }
    }
    on_close();
  }

 private:
  const size_t cap_;
  mutable std::mutex mu_;
  Buffer buf_;
  bool closed_ = false;
  std::vector<std::function<void()>> on_close_;
};

class CpprestServer final : public HttpServer {
 public:
  CpprestServer(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        handler_pool_(std::make_unique<ThreadPool>(
            std::max<size_t>(1, options_.handler_threads))) {}
  ~CpprestServer() override { Stop(); }

  Status Listen() {
    if (options_.port == 0) {
      ASSIGN_OR_RETURN(options_.port, PickFreePort(options_.host));
    }
    const bool tls =
        !options_.tls_cert_file.empty() && !options_.tls_key_file.empty();
    ListenerConfig config;
    config.set_timeout(std::chrono::seconds(60));
    if (tls) {
      std::string cert = options_.tls_cert_file;
      std::string key = options_.tls_key_file;
      config.set_ssl_context_callback(
          [cert, key](boost::asio::ssl::context& ctx) {
            ctx.set_options(boost::asio::ssl::context::default_workarounds |
                            boost::asio::ssl::context::no_sslv2 |
                            boost::asio::ssl::context::no_sslv3 |
                            boost::asio::ssl::context::no_tlsv1 |
                            boost::asio::ssl::context::no_tlsv1_1);
            ctx.use_certificate_chain_file(cert);
            ctx.use_private_key_file(key, boost::asio::ssl::context::pem);
          });
    }
    std::string url = std::string(tls ? "https" : "http") + "://" +
                      options_.host + ":" + std::to_string(options_.port);
    try {
      listener_ = std::make_unique<Listener>(web::uri(url), config);
      listener_->support([this](http::http_request req) { Serve(req); });
      listener_->open().wait();
    } catch (const std::exception& e) {
      listener_.reset();
      return UnavailableError("cannot listen on " + url + ": " + e.what());
    }
    return OkStatus();
  }

  int port() const override { return options_.port; }

  void Stop() override {
    std::vector<std::weak_ptr<CpprestStream>> streams;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      streams.swap(streams_);
    }
    for (auto& w : streams) {
      if (auto s = w.lock()) s->Close();
    }
    if (listener_) {
      try {
        listener_->close().wait();
      } catch (const std::exception&) {
        // Closing an already failed listener: nothing left to release.
      }
    }
  }

 private:
  // Reads the body without blocking an I/O thread (each continuation runs
  // when more has arrived), then runs the handler on the handler pool and
  // replies from there.
  void Serve(http::http_request req) {
    auto request = std::make_shared<HttpRequest>();
    HeadDecision head;
    try {
      if (!ReadHead(req, *request, &head)) return;
      const size_t declared = req.headers().content_length();
      if (declared > 0) request->body.reserve(declared);
    } catch (const std::exception& e) {
      ReplyError(req, e.what());
      return;
    }
    ReadBody(req, request, head.max_body_bytes, std::move(head.hold));
  }

  // Appends the body to request->body in chunks, straight from cpprestsdk's
  // buffer (no second copy of a large upload), and stops with 413 as soon as
  // it passes `limit` (a chunked body declares no length). At the end, runs
  // the handler. `hold` lives until the handler has returned.
  void ReadBody(http::http_request req, std::shared_ptr<HttpRequest> request,
                size_t limit, std::shared_ptr<void> hold) {
    std::string& body = request->body;
    const size_t old_size = body.size();
    // One byte past the limit is enough to know it is too large.
    const size_t room = limit - old_size;  // old_size <= limit here
    const size_t want = room < kReadChunk ? room + 1 : kReadChunk;
    body.resize(old_size + want);
    auto* into = reinterpret_cast<uint8_t*>(body.data() + old_size);
    req.body()
        .streambuf()
        .getn(into, want)
        .then([this, req, request, limit, old_size,
               hold](pplx::task<size_t> read) mutable {
          try {
            const size_t n = read.get();
            request->body.resize(old_size + n);
            if (request->body.size() > limit) {
              ReplyTooLarge(req, limit);
              return;
            }
            if (n > 0) {
              ReadBody(req, request, limit, std::move(hold));
              return;
            }
          } catch (const std::exception& e) {
            ReplyError(req, e.what());
            return;
          }
          handler_pool_->Post([this, req, request, hold]() mutable {
            try {
              Reply(req, handler_(*request));
            } catch (const std::exception& e) {
              ReplyError(req, e.what());
            }
          });
        });
  }

  // Fills all but the body and *decision (options_.screen_head's, or
  // max_body_bytes); replies and returns false when the request target does
  // not decode (400), the decision is an immediate reply, or the declared
  // body is larger than its limit (413).
  bool ReadHead(http::http_request& req, HttpRequest& out,
                HeadDecision* decision) {
    out.method = req.method();
    const web::uri& uri = req.relative_uri();
    const Status target = DecodeRequestTarget(uri.path(), uri.query(), &out);
    if (!target.ok()) {
      ReplyBadRequest(req, target.message());
      return false;
    }
    for (const auto& [k, v] : req.headers()) SetRequestHeader(k, v, &out);
    out.remote_address = req.remote_address();
    if (options_.screen_head) {
      *decision = options_.screen_head(out);
    } else {
      decision->max_body_bytes = options_.max_body_bytes;
    }
    if (decision->reply) {
      Reply(req, std::move(*decision->reply));
      return false;
    }
    if (req.headers().content_length() > decision->max_body_bytes) {
      ReplyTooLarge(req, decision->max_body_bytes);
      return false;
    }
    return true;
  }

  void Reply(http::http_request& req, HttpResponse response) {
    http::http_response resp(static_cast<http::status_code>(response.status));
    for (const auto& [k, v] : response.headers) resp.headers().add(k, v);
    if (!response.stream) {
      SetBody(resp, response.body, response.content_type);
      Detach(req.reply(resp));
      return;
    }
    auto stream =
        std::make_shared<CpprestStream>(options_.max_stream_buffer_bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) {
        ReplyError(req, "server is shutting down");
        return;
      }
      std::erase_if(streams_, [](const auto& w) { return w.expired(); });
      streams_.push_back(stream);
    }
    resp.headers().set_content_type(response.content_type);
    resp.set_body(stream->buffer().create_istream());
    Detach(req.reply(resp));
    response.stream(stream);
  }

  void ReplyTooLarge(http::http_request& req, size_t limit) {
    ReplyWith(req, http::status_codes::RequestEntityTooLarge,
              FailureBody(413, "RequestEntityTooLarge",
                          "the request body is larger than the limit of " +
                              std::to_string(limit) + " bytes"),
              "application/json");
  }

  void ReplyBadRequest(http::http_request& req, const std::string& message) {
    ReplyWith(req, http::status_codes::BadRequest,
              FailureBody(400, "BadRequest", message), "application/json");
  }

  void ReplyError(http::http_request& req, const std::string& what) {
    try {
      ReplyWith(req, http::status_codes::InternalError,
                FailureBody(500, "InternalError", what), "application/json");
    } catch (const std::exception&) {
      // The connection is gone; there is no one left to tell.
    }
  }

  HttpServerOptions options_;
  const HttpHandler handler_;
  std::unique_ptr<Listener> listener_;

  std::mutex mu_;
  bool stopped_ = false;
  std::vector<std::weak_ptr<CpprestStream>> streams_;
  // Last: its destructor runs queued handlers, which use the fields above.
  std::unique_ptr<ThreadPool> handler_pool_;
};

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpServerOptions& options, HttpHandler handler) {
  static std::once_flag pool_once;
  std::call_once(pool_once, [] {
    try {
      crossplat::threadpool::initialize_with_threads(kServerThreads);
    } catch (const std::exception&) {
      // Another cpprestsdk user in this process (an HTTP client) started
      // the shared pool first, with cpprestsdk's default size; it serves
      // as well, since handlers run on the server's own pool.
    }
  });
  auto server = std::make_unique<CpprestServer>(options, std::move(handler));
  RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace kiln
