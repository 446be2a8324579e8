// RegistryClient over cpprestsdk's http_client. cpprestsdk throws; every
// call is wrapped here and turned into a Status. Bodies are never read as
// std::string: cpprestsdk's string overloads read a string buffer through a
// streambuf<unsigned char>, which UBSan reports as a vptr error.
#include <cpprest/http_client.h>

#include <cerrno>
#include <exception>
#include <memory>
#include <string>

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

class CppRestRegistryClient final : public RegistryClient {
 public:
  CppRestRegistryClient(std::string host_port,
                        const http::client::http_client_config& config)
      : host_port_(std::move(host_port)),
        client_("http://" + host_port_, config) {}

  Status Ping() override {
    try {
      http::http_response resp =
          client_.request(http::methods::GET, "/v2/").get();
      const auto header =
          resp.headers().find("Docker-Distribution-Api-Version");
      if (resp.status_code() == http::status_codes::OK &&
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
      http::http_request req(http::methods::HEAD);
      req.set_request_uri("/v2/" + repository + "/manifests/" + tag);
      req.headers().add("Accept", kManifestAccept);
      http::http_response resp = client_.request(req).get();
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
  const std::string host_port_;
  http::client::http_client client_;  // thread-safe
};

}  // namespace

StatusOr<std::unique_ptr<RegistryClient>> NewRegistryClient(
    const std::string& host_port, std::chrono::milliseconds timeout) {
  if (host_port.empty() || host_port.find('/') != std::string::npos) {
    return InvalidArgumentError("invalid registry address \"" + host_port +
                                "\" (want HOST:PORT)");
  }
  try {
    http::client::http_client_config config;
    config.set_timeout(timeout);
    return std::unique_ptr<RegistryClient>(
        std::make_unique<CppRestRegistryClient>(host_port, config));
  } catch (const std::exception& e) {
    return InvalidArgumentError("invalid registry address \"" + host_port +
                                "\": " + e.what());
  }
}

}  // namespace kiln
