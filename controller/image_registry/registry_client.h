// RegistryClient: the little of the OCI distribution API (registry v2) that
// kilnd needs to supervise and seed a registry. The implementation
// (registry_client_cpprest.cc) is the only code here that knows cpprestsdk.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "api_types/status.h"
#include "controller/image_registry/registry_credentials.h"

namespace kiln {

// A plain-HTTP client for one registry. Thread-safe: methods may be called
// concurrently.
class RegistryClient {
 public:
  virtual ~RegistryClient() = default;
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // GET /v2/, anonymous. Returns OK when the server answers 200 (or 401: a
  // registry with token auth) with the
  // Docker-Distribution-Api-Version: registry/2.0 header; kUnavailable when
  // nothing accepts connections on the address (or it times out);
  // kFailedPrecondition when something answers but is not a v2 registry
  // (wrong status, missing header, not HTTP at all).
  virtual Status Ping() = 0;

  // HEAD /v2/<repository>/manifests/<tag>, accepting OCI and Docker v2
  // manifests and indexes. Returns the Docker-Content-Digest header
  // ("sha256:..."); kNotFound on 404; kInvalidArgument when `repository` or
  // `tag` is not a valid name; kUnavailable when the registry cannot be
  // reached; kInternal for any other answer.
  virtual StatusOr<std::string> ManifestDigest(const std::string& repository,
                                               const std::string& tag) = 0;

  // The realm of the bearer token challenge an anonymous GET /v2/ gets
  // (401 with a "Bearer" WWW-Authenticate header): the registry's token
  // service; "" when it answers without asking for one. kUnavailable when
  // it cannot be reached.
  virtual StatusOr<std::string> TokenRealm() = 0;

 protected:
  RegistryClient() = default;
};

// Creates a client for the registry at `host_port` ("127.0.0.1:5000"),
// spoken to over plain http. Each request gives up after `timeout`.
// With a `credential`, a 401 with a Bearer challenge is answered as docker
// clients do: a token from the challenge's realm (GET with HTTP Basic
// credentials, the challenge's service and scope), then the request again
// with it (Kiln's embedded registry with token auth).
// Returns kInvalidArgument when `host_port` does not make a valid URL.
StatusOr<std::unique_ptr<RegistryClient>> NewRegistryClient(
    const std::string& host_port,
    std::chrono::milliseconds timeout = std::chrono::seconds(2),
    RegistryCredential credential = {});

}  // namespace kiln
