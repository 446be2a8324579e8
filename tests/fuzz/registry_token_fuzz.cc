// The embedded registry's token service, which builders (hostile by
// assumption) and local clients reach: GET /token with any Authorization
// header and any scopes. Input: lines; the first is the Authorization
// header (sent as is, or "Basic " + base64 of it when it starts with '+'),
// the rest are `scope` parameters. Checks: only the documented statuses,
// 200 only for a known identity, and a build never gets access outside its
// namespace (and kiln/ pulls).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "controller/apiserver/auth_tokens.h"
#include "controller/apiserver/registry_token_service.h"
#include "controller/base/base64.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace kiln;

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point SystemNow() override {
    return std::chrono::system_clock::time_point(
        std::chrono::seconds(1'800'000'000));
  }
  std::chrono::steady_clock::time_point SteadyNow() override {
    return std::chrono::steady_clock::time_point();
  }
};

struct World {
  World() {
    char dir[] = "/tmp/kiln-fuzz-token-XXXXXX";
    if (mkdtemp(dir) == nullptr) fuzz::Fail("mkdtemp");
    StatusOr<std::unique_ptr<RegistryTokenSigner>> s =
        RegistryTokenSigner::LoadOrCreate(dir);
    if (!s.ok()) fuzz::Fail(s.status().ToString());
    signer = *std::move(s);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    credentials = std::make_unique<RegistryCredentials>(
        "fuzz-secret-0123456789abcdef0123");
    users = std::make_unique<Authenticator>(
        *ParseTokenFile("alice-token,alice,1,\"kiln:namespace:team-a\"\n"));
    service = std::make_unique<RegistryTokenService>(
        *signer, *credentials, users.get(),
        [](const std::string& ns,
           const std::string& name) -> StatusOr<RegistryBuildState> {
          if (ns == "team-a" && name == "web") {
            return RegistryBuildState{"uid-1", false};
          }
          return NotFoundError("no such build");
        },
        clock);
  }
  FixedClock clock;
  std::unique_ptr<RegistryTokenSigner> signer;
  std::unique_ptr<RegistryCredentials> credentials;
  std::unique_ptr<Authenticator> users;
  std::unique_ptr<RegistryTokenService> service;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  const std::string text(fuzz::AsText(data, size));
  HttpRequest request;
  request.method = "GET";
  request.path = "/token";
  size_t start = 0;
  bool first = true;
  bool build_login = false;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (first) {
      if (!line.empty() && line[0] == '+') {
        std::string login = line.substr(1);
        // "+build" logs in as the running build, so scopes are checked
        // against its namespace.
        if (login == "build") {
          const RegistryCredential c =
              world->credentials->ForBuild("team-a", "web", "uid-1");
          login = c.username + ":" + c.password;
          build_login = true;
        }
        line = "Basic " + Base64Encode(login);
      }
      request.headers["authorization"] = line;
      first = false;
    } else {
      request.query_list.emplace_back("scope", line);
    }
    start = end + 1;
  }
  const HttpResponse response = world->service->Handle(request);
  fuzz::Check(response.status == 200 || response.status == 400 ||
                  response.status == 401,
              "unexpected status " + std::to_string(response.status));
  if (response.status != 200) return 0;
  const nlohmann::json body =
      nlohmann::json::parse(response.body, nullptr, false);
  fuzz::Check(body.is_object() && body.contains("token"),
              "200 without a token");
  if (!build_login) return 0;
  const std::string token = body["token"].get<std::string>();
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  const nlohmann::json claims = nlohmann::json::parse(
      *Base64UrlDecode(token.substr(a + 1, b - a - 1)), nullptr, false);
  for (const auto& access : claims["access"]) {
    const std::string name = access["name"].get<std::string>();
    const bool own = name.rfind("team-a/", 0) == 0;
    const bool base = name.rfind("kiln/", 0) == 0;
    fuzz::Check(access["type"] == "repository" && (own || base),
                "a build got access to " + name);
    for (const auto& action : access["actions"]) {
      fuzz::Check(action == "pull" || (own && action == "push"),
                  "a build got " + action.dump() + " on " + name);
    }
  }
  return 0;
}
