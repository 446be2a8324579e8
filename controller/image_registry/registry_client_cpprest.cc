// RegistryClient over cpprestsdk's http_client. cpprestsdk throws; every
// call is wrapped here and turned into a Status. Bodies are never read as
// std::string: cpprestsdk's string overloads read a string buffer through a
// streambuf<unsigned char>, which UBSan reports as a vptr error.
#include <cpprest/http_client.h>

#include <cerrno>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "controller/base/ascii.h"
#include "controller/base/base64.h"
#include "controller/image_registry/registry_client.h"

namespace kiln {
namespace {

namespace http = web::http;

constexpr char kManifestAccept[] =
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

// Repository path components: [a-z0-9] separated by . _ __ - and /.
bool ValidRepository(const std::string& repository) {
  if (repository.empty() || repository.front() == '/' ||
      repository.back() == '/') {
    return false;
  }
  for (char c : repository) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return repository.find("..") == std::string::npos;
}

// Tags: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool ValidTag(const std::string& tag) {
  if (tag.empty() || tag.size() > 128 || tag.front() == '.' ||
      tag.front() == '-') {
    return false;
  }
  for (char c : tag) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Whether `e` means nothing is listening (as opposed to a peer that spoke
// something other than HTTP).
bool IsConnectFailure(const http::http_exception& e) {
  const int code = e.error_code().value();
  return code == ECONNREFUSED || code == ETIMEDOUT || code == ECONNABORTED ||
         code == EHOSTUNREACH ||
         std::string(e.what()).find("Failed to connect") != std::string::npos;
}

// The parameters of a "Bearer realm=\"...\",service=\"...\"" challenge;
// empty when `header` is not a Bearer challenge.
std::map<std::string, std::string> BearerChallenge(const std::string& header) {
  std::map<std::string, std::string> params;
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !StartsWithIgnoreCase(header, kScheme)) {
    return params;
  }
  size_t i = kScheme.size();
  while (i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
    const size_t equals = header.find('=', i);
    if (equals == std::string::npos) break;
    const std::string key = header.substr(i, equals - i);
    std::string value;
    i = equals + 1;
    if (i < header.size() && header[i] == '"') {
      for (++i; i < header.size() && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value.push_back(header[i]);
      }
      ++i;  // the closing quote
    } else {
      while (i < header.size() && header[i] != ',')
        value.push_back(header[i++]);
    }
    params[key] = value;
  }
  return params;
}

class CppRestRegistryClient final : public RegistryClient {
 public:
  CppRestRegistryClient(std::string host_port,
                        const http::client::http_client_config& config,
                        RegistryCredential credential)
      : host_port_(std::move(host_port)),
        config_(config),
        credential_(std::move(credential)),
        client_("http://" + host_port_, config) {}

  StatusOr<std::string> TokenRealm() override {
    try {
      http::http_response resp =
          client_.request(http::methods::GET, "/v2/").get();
      if (resp.status_code() != http::status_codes::Unauthorized) {
        return std::string();
      }
      const auto challenge = resp.headers().find("WWW-Authenticate");
      if (challenge == resp.headers().end()) return std::string();
      const std::map<std::string, std::string> params =
          BearerChallenge(challenge->second);
      const auto realm = params.find("realm");
      return realm == params.end() ? std::string() : realm->second;
    } catch (const std::exception& e) {
      return UnavailableError(host_port_ + ": " + e.what());
    }
  }

  Status Ping() override {
    try {
      http::http_response resp =
          client_.request(http::methods::GET, "/v2/").get();
      const auto header =
          resp.headers().find("Docker-Distribution-Api-Version");
      // 401: a registry with token auth, asking for a token.
      if ((resp.status_code() == http::status_codes::OK ||
           resp.status_code() == http::status_codes::Unauthorized) &&
          header != resp.headers().end() &&
          header->second.rfind("registry/2.0", 0) == 0) {
        return OkStatus();
      }
      return FailedPreconditionError(
          host_port_ + " is not a docker registry: GET /v2/ answered " +
          std::to_string(resp.status_code()) +
          (header == resp.headers().end()
               ? " without Docker-Distribution-Api-Version"
               : ""));
    } catch (const http::http_exception& e) {
      if (IsConnectFailure(e)) {
        return UnavailableError(host_port_ + ": " + e.what());
      }
      return FailedPreconditionError(host_port_ +
                                     " is not a docker registry: " + e.what());
    } catch (const std::exception& e) {
      return UnavailableError(host_port_ + ": " + e.what());
    }
  }

  StatusOr<std::string> ManifestDigest(const std::string& repository,
                                       const std::string& tag) override {
    if (!ValidRepository(repository) || !ValidTag(tag)) {
      return InvalidArgumentError("invalid image name " + repository + ":" +
                                  tag);
    }
    const std::string ref = host_port_ + "/" + repository + ":" + tag;
    try {
      http::http_response resp = Send([&] {
        http::http_request req(http::methods::HEAD);
        req.set_request_uri("/v2/" + repository + "/manifests/" + tag);
        req.headers().add("Accept", kManifestAccept);
        return req;
      });
      if (resp.status_code() == http::status_codes::NotFound) {
        return NotFoundError("manifest " + ref + " not found");
      }
      const auto digest = resp.headers().find("Docker-Content-Digest");
      if (resp.status_code() != http::status_codes::OK ||
          digest == resp.headers().end() || digest->second.empty()) {
        return InternalError("HEAD manifest " + ref + " answered " +
                             std::to_string(resp.status_code()) +
                             " without Docker-Content-Digest");
      }
      return digest->second;
    } catch (const std::exception& e) {
      return UnavailableError("HEAD manifest " + ref + ": " + e.what());
    }
  }

 private:
  // Sends make(); on a 401 with a Bearer challenge, when the client has a
  // credential, gets a token from the realm and sends make() again with
  // it. Throws what cpprestsdk throws, and std::runtime_error when the
  // realm refuses.
  http::http_response Send(const std::function<http::http_request()>& make) {
    http::http_response resp = client_.request(make()).get();
    if (resp.status_code() != http::status_codes::Unauthorized ||
        credential_.empty()) {
      return resp;
    }
    const auto header = resp.headers().find("WWW-Authenticate");
    if (header == resp.headers().end()) return resp;
    const std::map<std::string, std::string> challenge =
        BearerChallenge(header->second);
    const auto realm = challenge.find("realm");
    if (realm == challenge.end()) return resp;
    http::http_request again = make();
    again.headers().add("Authorization",
                        "Bearer " + Token(realm->second, challenge));
    return client_.request(again).get();
  }

  std::string Token(const std::string& realm,
                    const std::map<std::string, std::string>& challenge) {
    web::uri_builder uri(realm);
    for (const char* param : {"service", "scope"}) {
      const auto value = challenge.find(param);
      if (value != challenge.end()) uri.append_query(param, value->second);
    }
    http::client::http_client realm_client(uri.to_uri(), config_);
    http::http_request req(http::methods::GET);
    req.headers().add("Authorization",
                      "Basic " + Base64Encode(credential_.username + ":" +
                                              credential_.password));
    http::http_response resp = realm_client.request(req).get();
    const std::vector<unsigned char> body = resp.extract_vector().get();
    if (resp.status_code() != http::status_codes::OK) {
      throw std::runtime_error("the registry's token service " + realm +
                               " answered " +
                               std::to_string(resp.status_code()));
    }
    const nlohmann::json answer =
        nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
    if (!answer.is_object() || !answer.contains("token") ||
        !answer["token"].is_string()) {
      throw std::runtime_error("the registry's token service " + realm +
                               " answered without a token");
    }
    return answer["token"].get<std::string>();
  }

  const std::string host_port_;
  const http::client::http_client_config config_;
  const RegistryCredential credential_;
  http::client::http_client client_;  // thread-safe
};

}  // namespace

StatusOr<std::unique_ptr<RegistryClient>> NewRegistryClient(
    const std::string& host_port, std::chrono::milliseconds timeout,
    RegistryCredential credential) {
  if (host_port.empty() || host_port.find('/') != std::string::npos) {
    return InvalidArgumentError("invalid registry address \"" + host_port +
                                "\" (want HOST:PORT)");
  }
  try {
    http::client::http_client_config config;
    config.set_timeout(timeout);
    return std::unique_ptr<RegistryClient>(
        std::make_unique<CppRestRegistryClient>(host_port, config,
                                                std::move(credential)));
  } catch (const std::exception& e) {
    return InvalidArgumentError("invalid registry address \"" + host_port +
                                "\": " + e.what());
  }
}

}  // namespace kiln
