#include "hack/bench/api_endpoint.h"

#include <filesystem>
#include <fstream>

namespace kiln::bench {
namespace {

// The value of a `key: value` YAML line, surrounding quotes removed; empty
// when `line` is not that key.
std::string ValueOf(const std::string& line, const std::string& key) {
  size_t start = line.find_first_not_of(' ');
  if (start == std::string::npos || line.compare(start, key.size(), key) != 0)
    return "";
  std::string value = line.substr(start + key.size());
  value.erase(0, value.find_first_not_of(' '));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r'))
    value.pop_back();
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}

}  // namespace

StatusOr<ApiEndpoint> LoadEndpoint(const std::string& kubeconfig_path,
                                   const std::string& ca_file) {
  std::ifstream in(kubeconfig_path);
  if (!in) return UnavailableError("cannot read " + kubeconfig_path);
  if (!std::filesystem::exists(ca_file))
    return UnavailableError("no CA file at " + ca_file);
  ApiEndpoint endpoint;
  endpoint.ca_file = ca_file;
  std::string line;
  while (std::getline(in, line)) {
    if (std::string v = ValueOf(line, "server:"); !v.empty())
      endpoint.server = v;
    if (std::string v = ValueOf(line, "token:"); !v.empty()) endpoint.token = v;
  }
  if (endpoint.server.empty() || endpoint.token.empty()) {
    return InvalidArgumentError(kubeconfig_path +
                                ": want a `server:` and a `token:` line");
  }
  return endpoint;
}

web::http::client::http_client_config MakeClientConfig(
    const ApiEndpoint& endpoint, std::chrono::seconds timeout) {
  web::http::client::http_client_config config;
  config.set_timeout(timeout);
  const std::string ca = endpoint.ca_file;
  config.set_ssl_context_callback(
      [ca](boost::asio::ssl::context& ctx) { ctx.load_verify_file(ca); });
  return config;
}

web::http::http_request NewRequest(const ApiEndpoint& endpoint,
                                   const web::http::method& method,
                                   const std::string& path_and_query) {
  web::http::http_request request(method);
  request.set_request_uri(path_and_query);
  request.headers().add("Authorization", "Bearer " + endpoint.token);
  request.headers().add("Accept", "application/json");
  return request;
}

}  // namespace kiln::bench
