// A minimal blocking HTTP/1.1 client over one keep-alive TCP connection:
// enough to drive etcd's JSON gateway from a benchmark (POST with a body,
// Content-Length or chunked responses). No TLS, no redirects, no pipelining.
//
// Thread-compatible: one connection per thread.
#pragma once

#include <memory>
#include <string>

#include "api_types/status.h"

namespace kiln::bench {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  // `endpoint` is "http://host:port". Unavailable when it cannot connect;
  // InvalidArgument for a malformed endpoint.
  static StatusOr<std::unique_ptr<HttpConnection>> Connect(
      const std::string& endpoint);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `body` as application/json to `path` and reads the whole response.
  // Unavailable on I/O errors or a malformed response (the connection is
  // then unusable).
  StatusOr<HttpResponse> Post(const std::string& path, const std::string& body);

 private:
  HttpConnection(int fd, std::string host) : fd_(fd), host_(std::move(host)) {}
  Status SendAll(const std::string& data);
  // Reads more bytes into buf_. Unavailable on EOF or error.
  Status Fill();
  StatusOr<std::string> ReadLine();
  Status ReadExactly(size_t n, std::string* out);
  StatusOr<std::string> ReadChunkedBody();

  const int fd_;
  const std::string host_;  // Host header
  std::string buf_;         // received, not yet consumed
};

}  // namespace kiln::bench
