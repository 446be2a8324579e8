// ApiClient over cpprestsdk's http_client. cpprestsdk throws; every call is
// wrapped here and turned into a Status. Bodies go in and out as bytes, never
// through cpprestsdk's std::string overloads (UBSan reports their
// string-through-streambuf<unsigned char> reads as vptr errors).
#include <cpprest/filestream.h>
#include <cpprest/http_client.h>
#include <openssl/ssl.h>
#include <pplx/threadpool.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "cmd/kilnctl/api_client.h"

namespace kiln::kilnctl {
namespace {

namespace http = web::http;

// Set when a request ended before its response did (failure, cancel, a
// stream left early): cpprestsdk then finishes the message on its thread
// pool a moment later, which FinishHttpClientRuntime waits for.
std::atomic<bool> g_unfinished_requests{false};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Marks the request unfinished unless Done() is called before it goes.
class Unfinished {
 public:
  ~Unfinished() {
    if (!done_) g_unfinished_requests = true;
  }
  void Done() { done_ = true; }

 private:
  bool done_ = false;
};

class CppRestApiClient final : public ApiClient {
 public:
  CppRestApiClient(const ClientConfig& config,
                   const http::client::http_client_config& http_config)
      : server_(config.server),
        token_(config.token),
        client_(web::uri(utility::conversions::to_string_t(config.server)),
                http_config) {}

  StatusOr<HttpResponse> Do(const HttpRequest& request) override {
    return Run(request, nullptr, "", nullptr);
  }

  StatusOr<HttpResponse> Stream(
      const HttpRequest& request,
      const std::function<bool(std::string_view)>& on_data) override {
    return Run(request, &on_data, "", nullptr);
  }

  StatusOr<HttpResponse> Upload(
      const HttpRequest& request, const std::string& file_path,
      const std::function<void(int64_t, int64_t)>& progress) override {
    return Run(request, nullptr, file_path, &progress);
  }

  void Interrupt() override {
    interrupted_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    cancel_.cancel();
  }

  const std::string& server() const override { return server_; }

 private:
  http::http_request Build(const HttpRequest& r) const {
    http::http_request req(utility::conversions::to_string_t(r.method));
    req.set_request_uri(utility::conversions::to_string_t(r.path));
    if (!token_.empty()) req.headers().add("Authorization", "Bearer " + token_);
    if (!r.accept.empty()) req.headers().add("Accept", r.accept);
    req.headers().add("User-Agent", "kilnctl");
    for (const auto& [k, v] : r.headers) req.headers().add(k, v);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT" ||
        r.method == "PATCH") {
      req.set_body(std::vector<unsigned char>(r.body.begin(), r.body.end()));
      req.headers().set_content_type(r.content_type.empty() ? "application/json"
                                                            : r.content_type);
    }
    return req;
  }

  Status TransportError(const std::string& what) const {
    if (interrupted_) return InterruptedError();
    return UnavailableError("cannot reach kilnd at " + server_ + ": " + what +
                            " (is kilnd running? is the server address in "
                            "your kubeconfig or --server right?)");
  }

  static HttpResponse Head(const http::http_response& resp) {
    HttpResponse out;
    out.code = resp.status_code();
    for (const auto& [k, v] : resp.headers()) out.headers[Lower(k)] = v;
    return out;
  }

  StatusOr<HttpResponse> Run(
      const HttpRequest& r,
      const std::function<bool(std::string_view)>* on_data,
      const std::string& upload_path,
      const std::function<void(int64_t, int64_t)>* progress) {
    if (interrupted_) return InterruptedError();
    pplx::cancellation_token token = pplx::cancellation_token::none();
    {
      std::lock_guard<std::mutex> lock(mu_);
      token = cancel_.get_token();
    }
    try {
      http::http_request req = Build(r);
      concurrency::streams::istream file;
      if (!upload_path.empty()) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(upload_path, ec);
        if (ec) return NotFoundError(upload_path + ": " + ec.message());
        file = concurrency::streams::fstream::open_istream(upload_path).get();
        req.set_body(file, static_cast<utility::size64_t>(size),
                     r.content_type.empty() ? "application/octet-stream"
                                            : r.content_type);
        if (progress != nullptr && *progress) {
          const int64_t total = static_cast<int64_t>(size);
          auto cb = *progress;
          req.set_progress_handler(
              [cb, total](http::message_direction::direction d,
                          utility::size64_t so_far) {
                if (d == http::message_direction::upload) {
                  cb(static_cast<int64_t>(so_far), total);
                }
              });
        }
      }
      Unfinished unfinished;
      http::http_response resp = client_.request(req, token).get();
      HttpResponse out = Head(resp);
      const bool ok = out.code >= 200 && out.code < 300;
      if (on_data == nullptr || !ok) {
        std::vector<unsigned char> body = resp.extract_vector().get();
        out.body.assign(body.begin(), body.end());
        if (file.is_valid()) file.close().wait();
        unfinished.Done();
        return out;
      }
      concurrency::streams::streambuf<uint8_t> buf = resp.body().streambuf();
      std::vector<uint8_t> chunk(64 * 1024);
      while (true) {
        // Whatever is buffered (at most a chunk), or wait for one byte.
        const size_t want = std::clamp<size_t>(
            static_cast<size_t>(std::max<std::streamsize>(buf.in_avail(), 0)),
            1, chunk.size());
        const size_t n = buf.getn(chunk.data(), want).get();
        if (n == 0) {
          unfinished.Done();
          break;
        }
        if (!(*on_data)(std::string_view(
                reinterpret_cast<const char*>(chunk.data()), n))) {
          break;
        }
        if (interrupted_) return InterruptedError();
      }
      return out;
    } catch (const pplx::task_canceled&) {
      return InterruptedError();
    } catch (const http::http_exception& e) {
      return TransportError(e.what());
    } catch (const std::exception& e) {
      return TransportError(e.what());
    }
  }

  const std::string server_;
  const std::string token_;
  http::client::http_client client_;
  std::atomic<bool> interrupted_{false};
  std::mutex mu_;
  pplx::cancellation_token_source cancel_;  // guarded by mu_
};

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

StatusOr<std::unique_ptr<ApiClient>> NewApiClient(
    const ClientConfig& config, std::chrono::seconds idle_timeout) {
  http::client::http_client_config http_config;
  http_config.set_timeout(idle_timeout);
  http_config.set_validate_certificates(!config.insecure_skip_tls_verify);
  const std::string ca = config.ca_pem;
  const std::string cert = config.client_cert_pem;
  const std::string key = config.client_key_pem;
  http_config.set_ssl_context_callback([ca, cert,
                                        key](boost::asio::ssl::context& ctx) {
    if (!ca.empty()) {
      ctx.add_certificate_authority(boost::asio::buffer(ca.data(), ca.size()));
    }
    if (!cert.empty() && !key.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(cert.data(), cert.size()));
      ctx.use_private_key(boost::asio::buffer(key.data(), key.size()),
                          boost::asio::ssl::context::pem);
    }
  });
  try {
    return std::unique_ptr<ApiClient>(
        new CppRestApiClient(config, http_config));
  } catch (const std::exception& e) {
    return InvalidArgumentError("server \"" + config.server +
                                "\": " + e.what());
  }
}

void InitHttpClientRuntime() {
  OPENSSL_init_ssl(0, nullptr);
  // A command runs at most a few requests at once (a build: its log stream,
  // its watch and a cancel).
  crossplat::threadpool::initialize_with_threads(8);
}

void FinishHttpClientRuntime() {
  if (!g_unfinished_requests) return;
  // Run what the pool has queued from this thread too, until it stays empty
  // for a few rounds (bounded: never holds the exit up by more than 300 ms).
  boost::asio::io_context& io =
      crossplat::threadpool::shared_instance().service();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  for (int idle = 0; idle < 3 && std::chrono::steady_clock::now() < deadline;) {
    idle = io.poll() == 0 ? idle + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace kiln::kilnctl
