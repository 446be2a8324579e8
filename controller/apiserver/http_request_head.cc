#include "controller/apiserver/http_request_head.h"

#include <cpprest/base_uri.h>

#include <cctype>

namespace kiln {
namespace {

// Decodes a query component: '+' is a space (form encoding, as Go's
// url.Values sends it), then percent-decoding.
std::string DecodeQueryPart(std::string s) {
  for (char& c : s) {
    if (c == '+') c = ' ';
  }
  return web::uri::decode(s);
}

}  // namespace

Status DecodeRequestTarget(const std::string& raw_path,
                           const std::string& raw_query, HttpRequest* request) {
  // cpprestsdk's decoder throws on a '%' without two hex digits after it
  // and on non-ASCII text: the client's error, not the server's.
  try {
    request->path = web::uri::decode(raw_path);
    for (const auto& [k, v] : web::uri::split_query(raw_query)) {
      request->query[DecodeQueryPart(k)] = DecodeQueryPart(v);
    }
    // split_query drops parameters without '=' ("?verbose"); they are
    // present with an empty value.
    for (size_t start = 0; start <= raw_query.size();) {
      size_t end = raw_query.find('&', start);
      if (end == std::string::npos) end = raw_query.size();
      const std::string part = raw_query.substr(start, end - start);
      const size_t equals = part.find('=');
      if (!part.empty() && equals == std::string::npos) {
        request->query.emplace(DecodeQueryPart(part), "");
      }
      if (!part.empty()) {
        request->query_list.emplace_back(
            DecodeQueryPart(part.substr(0, equals)),
            equals == std::string::npos
                ? ""
                : DecodeQueryPart(part.substr(equals + 1)));
      }
      start = end + 1;
    }
  } catch (const web::uri_exception& e) {
    return InvalidArgumentError(
        std::string("the request target has invalid percent-encoding: ") +
        e.what());
  }
  return OkStatus();
}

void SetRequestHeader(const std::string& name, const std::string& value,
                      HttpRequest* request) {
  std::string key = name;
  for (char& c : key) c = static_cast<char>(std::tolower(c));
  request->headers[key] = value;
}

}  // namespace kiln
