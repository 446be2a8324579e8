// ApiClient: kilnctl's HTTP connection to kilnd — the same HTTPS API and
// bearer token kubectl uses. The only implementation
// (api_client_cpprest.cc) is the one file that includes cpprestsdk.
//
// Transport failures (connection refused, TLS, timeouts) are Unavailable
// with a message naming the server and what to check; HTTP error statuses
// are not errors here: callers look at HttpResponse::code and turn the
// metav1 Status body into a message (api_error.h).
//
// Thread-safe: requests may run on several threads; Interrupt() may be
// called from any thread (e.g. the Ctrl-C handler).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api_types/status.h"
#include "cmd/kilnctl/client_config.h"

namespace kiln::kilnctl {

struct HttpResponse {
  int code = 0;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  // The header's value, "" when absent. `name` lowercase.
  std::string Header(const std::string& name) const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // path and query, e.g. "/apis/kiln.dev/v1/...?watch=1"
  std::string body;
  std::string content_type;
  std::string accept = "application/json";
  std::map<std::string, std::string> headers;
};

// What a request returns after Interrupt(); IsInterrupted recognises it.
inline Status InterruptedError() { return AbortedError("interrupted"); }
inline bool IsInterrupted(const Status& s) {
  return s.code() == StatusCode::kAborted && s.message() == "interrupted";
}

class ApiClient {
 public:
  virtual ~ApiClient() = default;

  // Sends `request`; returns the whole response.
  virtual StatusOr<HttpResponse> Do(const HttpRequest& request) = 0;

  // Sends `request` and hands the body to `on_data` as it arrives (a
  // chunk at a time, on the calling thread) until the server ends it or
  // `on_data` returns false. The returned response has code and headers;
  // its body is filled (and on_data not called) only for a non-2xx code.
  // InterruptedError() once Interrupt() was called.
  virtual StatusOr<HttpResponse> Stream(
      const HttpRequest& request,
      const std::function<bool(std::string_view)>& on_data) = 0;

  // POSTs the file at `file_path` as the body of `request` (its body
  // ignored), calling `progress(sent, total)` as bytes go out.
  virtual StatusOr<HttpResponse> Upload(
      const HttpRequest& request, const std::string& file_path,
      const std::function<void(int64_t, int64_t)>& progress) = 0;

  // Ends every request in flight and fails later ones with
  // InterruptedError().
  virtual void Interrupt() = 0;

  // The server URL ("https://127.0.0.1:6443").
  virtual const std::string& server() const = 0;
};

// A client for `config`. `idle_timeout` bounds each wait for the server
// (a stream with nothing to say for that long ends with Unavailable, so
// callers resume). InvalidArgument for a malformed server URL.
StatusOr<std::unique_ptr<ApiClient>> NewApiClient(
    const ClientConfig& config, std::chrono::seconds idle_timeout);

// Starts the HTTP library's I/O threads after TLS is initialised, so that at
// exit the threads are joined (freeing their per-thread TLS state) before
// the TLS library cleans up. Call once, first thing in main(); clients work
// without it, only their threads' state is left for the OS at exit.
void InitHttpClientRuntime();

// Lets the HTTP library finish the messages of requests that ended early
// (failed, cancelled, streams left), which it does on its own threads just
// after; waits at most 300 ms, and not at all when every request finished.
// Call once, last thing in main(), after every client is gone.
void FinishHttpClientRuntime();

}  // namespace kiln::kilnctl
