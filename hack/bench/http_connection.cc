#include "hack/bench/http_connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace kiln::bench {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

Status Errno(const std::string& what) {
  return UnavailableError("http: " + what + ": " + std::strerror(errno));
}

}  // namespace

StatusOr<std::unique_ptr<HttpConnection>> HttpConnection::Connect(
    const std::string& endpoint) {
  const std::string scheme = "http://";
  if (endpoint.rfind(scheme, 0) != 0) {
    return InvalidArgumentError("http: endpoint must start with http://: " +
                                endpoint);
  }
  std::string hostport = endpoint.substr(scheme.size());
  if (!hostport.empty() && hostport.back() == '/') hostport.pop_back();
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("http: endpoint needs a port: " + endpoint);
  }
  const std::string host = hostport.substr(0, colon);
  const std::string port = hostport.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return UnavailableError("http: resolve " + hostport + ": " +
                            gai_strerror(rc));
  }
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                  ai->ai_protocol);
    if (fd >= 0 && ::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return Errno("connect " + hostport);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<HttpConnection>(new HttpConnection(fd, hostport));
}

HttpConnection::~HttpConnection() { ::close(fd_); }

StatusOr<HttpResponse> HttpConnection::Post(const std::string& path,
                                            const std::string& body) {
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: " + host_ +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  RETURN_IF_ERROR(SendAll(req));

  ASSIGN_OR_RETURN(std::string status_line, ReadLine());
  HttpResponse resp;
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    return UnavailableError("http: bad status line: " + status_line);
  }
  resp.status = std::atoi(status_line.c_str() + 9);
  size_t content_length = 0;
  bool chunked = false;
  while (true) {
    ASSIGN_OR_RETURN(std::string line, ReadLine());
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "content-length") content_length = std::stoul(value);
    if (name == "transfer-encoding" && Lower(value) == "chunked")
      chunked = true;
  }
  if (chunked) {
    ASSIGN_OR_RETURN(resp.body, ReadChunkedBody());
  } else {
    RETURN_IF_ERROR(ReadExactly(content_length, &resp.body));
  }
  return resp;
}

Status HttpConnection::SendAll(const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n =
        ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("send");
    sent += static_cast<size_t>(n);
  }
  return OkStatus();
}

Status HttpConnection::Fill() {
  char chunk[16384];
  while (true) {
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("recv");
    if (n == 0) return UnavailableError("http: connection closed by peer");
    buf_.append(chunk, static_cast<size_t>(n));
    return OkStatus();
  }
}

StatusOr<std::string> HttpConnection::ReadLine() {
  size_t eol;
  while ((eol = buf_.find("\r\n")) == std::string::npos)
    RETURN_IF_ERROR(Fill());
  std::string line = buf_.substr(0, eol);
  buf_.erase(0, eol + 2);
  return line;
}

Status HttpConnection::ReadExactly(size_t n, std::string* out) {
  while (buf_.size() < n) RETURN_IF_ERROR(Fill());
  out->append(buf_, 0, n);
  buf_.erase(0, n);
  return OkStatus();
}

StatusOr<std::string> HttpConnection::ReadChunkedBody() {
  std::string body;
  while (true) {
    ASSIGN_OR_RETURN(std::string size_line, ReadLine());
    size_t size = std::stoul(size_line, nullptr, 16);
    if (size == 0) break;
    RETURN_IF_ERROR(ReadExactly(size, &body));
    ASSIGN_OR_RETURN(std::string crlf, ReadLine());
  }
  // Trailers, up to the empty line.
  while (true) {
    ASSIGN_OR_RETURN(std::string line, ReadLine());
    if (line.empty()) break;
  }
  return body;
}

}  // namespace kiln::bench
