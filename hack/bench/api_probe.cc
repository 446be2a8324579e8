#include "hack/bench/api_probe.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "hack/bench/api_build_body.h"

namespace kiln::bench {

namespace http = web::http;

StatusOr<nlohmann::json> GetJson(const ApiEndpoint& endpoint,
                                 const std::string& path) {
  http::client::http_client client(
      web::uri(endpoint.server),
      MakeClientConfig(endpoint, std::chrono::seconds(60)));
  try {
    http::http_response r =
        client.request(NewRequest(endpoint, http::methods::GET, path)).get();
    std::string body = r.extract_utf8string(true).get();
    if (r.status_code() != http::status_codes::OK) {
      return UnavailableError("GET " + path + ": HTTP " +
                              std::to_string(r.status_code()) + " " +
                              body.substr(0, 300));
    }
    return nlohmann::json::parse(body);
  } catch (const std::exception& e) {  // transport, TLS, JSON
    return UnavailableError("GET " + path + ": " + e.what());
  }
}

bool Healthy(const ApiEndpoint& endpoint, std::chrono::seconds timeout) {
  http::client::http_client client(web::uri(endpoint.server),
                                   MakeClientConfig(endpoint, timeout));
  try {
    http::http_response r =
        client.request(NewRequest(endpoint, http::methods::GET, "/healthz"))
            .get();
    r.content_ready().wait();
    return r.status_code() == http::status_codes::OK;
  } catch (const std::exception&) {  // timed out or refused: not healthy
    return false;
  }
}

StatusOr<int64_t> CountBuilds(const ApiEndpoint& endpoint,
                              const std::string& ns) {
  int64_t count = 0;
  std::string next;
  do {
    std::string path = BuildsPath(ns) + "?limit=500";
    if (!next.empty())
      path += "&continue=" + web::uri::encode_data_string(next);
    ASSIGN_OR_RETURN(nlohmann::json list, GetJson(endpoint, path));
    try {
      count += static_cast<int64_t>(list.at("items").size());
      next = list.at("metadata").value("continue", "");
    } catch (const std::exception& e) {  // nlohmann::json::exception
      return UnavailableError(std::string("builds list: ") + e.what());
    }
  } while (!next.empty());
  return count;
}

StatusOr<std::string> CurrentResourceVersion(const ApiEndpoint& endpoint,
                                             const std::string& ns) {
  ASSIGN_OR_RETURN(nlohmann::json list,
                   GetJson(endpoint, BuildsPath(ns) + "?limit=1"));
  try {
    return list.at("metadata").at("resourceVersion").get<std::string>();
  } catch (const std::exception& e) {  // nlohmann::json::exception
    return UnavailableError(std::string("builds list: ") + e.what());
  }
}

}  // namespace kiln::bench
