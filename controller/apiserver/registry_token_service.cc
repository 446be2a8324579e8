#include "controller/apiserver/registry_token_service.h"

#include <nlohmann/json.hpp>

#include "api_types/time.h"
#include "api_types/utf8.h"
#include "controller/apiserver/registry_token_policy.h"
#include "controller/base/ascii.h"
#include "controller/base/base64.h"

namespace kiln {
namespace {

// The registry's error body shape ({"errors": [{code, message}]}).
HttpResponse Error(int status, const std::string& code,
                   const std::string& message) {
  HttpResponse response;
  response.status = status;
  response.body =
      nlohmann::json{{"errors", {{{"code", code}, {"message", message}}}}}
          .dump();
  if (status == 401) {
    response.headers.emplace_back(
        "WWW-Authenticate",
        std::string("Basic realm=\"") + kRegistryTokenService + "\"");
  }
  return response;
}

// {username, password} of "Basic base64(user:password)".
StatusOr<std::pair<std::string, std::string>> BasicCredentials(
    const std::string& header) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() <= kScheme.size() ||
      !StartsWithIgnoreCase(header, kScheme)) {
    return UnauthenticatedError("no Basic credentials");
  }
  StatusOr<std::string> decoded = Base64Decode(header.substr(kScheme.size()));
  if (!decoded.ok()) return UnauthenticatedError("malformed Basic credentials");
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    return UnauthenticatedError("malformed Basic credentials");
  }
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

}  // namespace

StatusOr<RegistryIdentity> RegistryTokenService::Identify(
    const std::string& username, const std::string& password) const {
  const Status refused = UnauthenticatedError("invalid registry credentials");
  RegistryIdentity identity;
  identity.subject = username;
  if (username == kRegistrySystemUser) {
    if (!credentials_.IsSystemPassword(password)) return refused;
    identity.kind = RegistryIdentity::Kind::kSystem;
    return identity;
  }
  if (std::optional<RegistryBuildUser> build =
          ParseRegistryBuildUser(username)) {
    StatusOr<RegistryBuildState> state =
        builds_(build->namespace_, build->name);
    if (!state.ok()) {
      if (state.status().code() == StatusCode::kNotFound) return refused;
      return state.status();
    }
    if (state->finished ||
        !credentials_.IsBuildPassword(build->namespace_, build->name,
                                      state->uid, password)) {
      return refused;
    }
    identity.kind = RegistryIdentity::Kind::kBuild;
    identity.build_namespace = build->namespace_;
    return identity;
  }
  if (users_ == nullptr || password.empty()) return refused;
  StatusOr<UserInfo> user = users_->AuthenticateToken(password);
  if (!user.ok()) return refused;
  identity.kind = RegistryIdentity::Kind::kUser;
  identity.subject = user->name;
  identity.user = *std::move(user);
  return identity;
}

HttpResponse RegistryTokenService::Handle(const HttpRequest& request) const {
  if (request.path != kRegistryTokenPath) {
    return Error(404, "NOT_FOUND",
                 "this is the registry's token service; it serves only " +
                     std::string(kRegistryTokenPath));
  }
  if (request.method != "GET") {
    return Error(405, "UNSUPPORTED", "the token service takes only GET");
  }
  const std::string service = request.Query("service", kRegistryTokenService);
  if (service != kRegistryTokenService) {
    return Error(400, "DENIED",
                 "unknown service \"" + SanitizeForMessage(service) +
                     "\"; this token service is " + kRegistryTokenService);
  }
  StatusOr<std::pair<std::string, std::string>> basic =
      BasicCredentials(request.Header("authorization"));
  if (!basic.ok()) {
    return Error(401, "UNAUTHORIZED",
                 basic.status().message() +
                     "; log in with your Kiln user name and token");
  }
  StatusOr<RegistryIdentity> identity = Identify(basic->first, basic->second);
  if (!identity.ok()) {
    if (identity.status().code() == StatusCode::kUnauthenticated) {
      return Error(401, "UNAUTHORIZED", identity.status().message());
    }
    return Error(503, "UNAVAILABLE", identity.status().message());
  }
  std::vector<std::string> scopes;
  for (const auto& [name, value] : request.query_list) {
    if (name == "scope") scopes.push_back(value);
  }
  StatusOr<std::vector<RegistryAccess>> requested = ParseRegistryScopes(scopes);
  if (!requested.ok()) {
    return Error(400, "DENIED", requested.status().message());
  }
  const Timestamp now =
      std::chrono::time_point_cast<std::chrono::seconds>(clock_.SystemNow());
  RegistryTokenClaims claims;
  claims.issuer = kRegistryTokenIssuer;
  claims.subject = identity->subject;
  claims.audience = kRegistryTokenService;
  claims.issued_at = now.time_since_epoch().count();
  claims.lifetime_seconds = lifetime_seconds_;
  claims.access = GrantRegistryAccess(*identity, *requested);
  StatusOr<std::string> token = signer_.Sign(claims);
  if (!token.ok()) return Error(500, "UNKNOWN", token.status().message());
  HttpResponse response;
  response.body = nlohmann::json{{"token", *token},
                                 {"access_token", *token},
                                 {"expires_in", lifetime_seconds_},
                                 {"issued_at", FormatRfc3339(now)}}
                      .dump();
  return response;
}

}  // namespace kiln
