#include "controller/apiserver/http.h"

namespace kiln {

const std::string& HttpRequest::Header(
    const std::string& lowercase_name) const {
  static const std::string kEmpty;
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? kEmpty : it->second;
}

std::string HttpRequest::Query(const std::string& name,
                               std::string fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

}  // namespace kiln
