// Kiln's own HTTP request/response types. Only http_server_cpprest.cc knows
// cpprestsdk; everything else in the API server speaks these.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiln {

struct HttpRequest {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // percent-decoded path, no query
  std::map<std::string, std::string> query;  // decoded; last value wins
  // Every query parameter, decoded, in order (repeated names kept).
  std::vector<std::pair<std::string, std::string>> query_list;
  std::map<std::string, std::string> headers;  // keys lowercased
  std::string body;
  std::string remote_address;  // peer IP

  // Header value by lowercase name, or "".
  const std::string& Header(const std::string& lowercase_name) const;
  // Query parameter, or `fallback`.
  std::string Query(const std::string& name, std::string fallback = "") const;
};

// The sending end of a streaming response body (chunked). Thread-safe.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues `chunk` and flushes it to the client. Returns false when the
  // stream is closed, or when the client is too slow (unsent bytes above the
  // server's cap) — the stream is then closed.
  virtual bool Write(std::string_view chunk) = 0;
  // Ends the body. Idempotent.
  virtual void Close() = 0;
  virtual bool closed() const = 0;
  // Registers `on_close`, run once when the stream closes for any reason
  // (Close, slow client, server shutdown). Runs at once if already closed.
  virtual void OnClose(std::function<void()> on_close) = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the response is streamed: headers are sent, then `stream` is
  // called once (on a server thread; it must not block) with the stream to
  // write the body to. `body` is ignored.
  std::function<void(std::shared_ptr<ResponseStream>)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace kiln
