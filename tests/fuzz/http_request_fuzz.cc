// An HTTP request head as Kiln reads it once cpprestsdk has split the
// request line and header lines: the request target (DecodeRequestTarget),
// header names (SetRequestHeader), what the request addresses
// (ParseRequestInfo), authentication (Authenticator), content negotiation
// (RequestBodyType, NegotiateResponseType, ParseAccept, AcceptsJson), the
// query parameters the handlers read (LimitOf, TableOptionsOf,
// WriteOptionsOf, labelSelector, fieldSelector, continue), Last-Event-ID,
// and the body decoder (DecodeBody).
// Input: "METHOD TARGET\n", "Name: value\n" header lines, "\n", the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api_types/label_selector.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/auth_authenticator.h"
#include "controller/apiserver/content_type.h"
#include "controller/apiserver/field_selector.h"
#include "controller/apiserver/http.h"
#include "controller/apiserver/http_request_head.h"
#include "controller/apiserver/request_info.h"
#include "controller/logs/sse.h"
#include "controller/store/continue_token.h"
#include "tests/fuzz/fuzz_check.h"

namespace kiln {
namespace {

using fuzz::Check;
using fuzz::CheckClientError;
using fuzz::SplitOnce;

// The request from the input, as http_server_cpprest.cc fills it; false
// when the target does not decode (the server answers 400).
bool ReadRequest(std::string_view text, HttpRequest* request) {
  auto [line, rest] = SplitOnce(text, '\n');
  auto [method, target] = SplitOnce(line, ' ');
  auto [raw_path, raw_query] = SplitOnce(target, '?');
  request->method = std::string(method);
  const Status decoded = DecodeRequestTarget(std::string(raw_path),
                                             std::string(raw_query), request);
  CheckClientError(decoded, "DecodeRequestTarget");
  if (!decoded.ok()) return false;
  while (!rest.empty()) {
    auto [header, after] = SplitOnce(rest, '\n');
    rest = after;
    if (header.empty()) break;
    auto [name, value] = SplitOnce(header, ':');
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    SetRequestHeader(std::string(name), std::string(value), request);
  }
  request->body = std::string(rest);
  request->remote_address = "127.0.0.1";
  return true;
}

void CheckNegotiation(const HttpRequest& request) {
  const std::string& accept = request.Header("accept");
  double q = 2;
  for (const MediaType& type : ParseAccept(accept)) {
    Check(type.q > 0 && type.q <= 1 && type.q <= q, "ParseAccept order");
    q = type.q;
  }
  (void)AcceptsJson(accept);
  const auto with_table = NegotiateResponseType(accept, true);
  const auto without = NegotiateResponseType(accept, false);
  Check(!without || with_table, "a table-less answer disappears with tables");
  if (without) (void)ContentTypeFor(*without);
  (void)ParseMediaType(request.Header("content-type"));
  (void)RequestBodyType(request.method, request.Header("content-type"));
  (void)AcceptedBodyTypes(request.method);
}

void CheckQuery(const HttpRequest& request) {
  CheckClientError(LimitOf(request), "LimitOf");
  CheckClientError(TableOptionsOf(request), "TableOptionsOf");
  (void)WriteOptionsOf(request);
  CheckClientError(LabelSelector::Parse(request.Query("labelSelector")),
                   "labelSelector");
  CheckClientError(ParseFieldSelector(request.Query("fieldSelector"), false),
                   "fieldSelector");
  if (!request.Query("continue").empty()) {
    CheckClientError(ContinueToken::Decode(request.Query("continue")),
                     "continue");
  }
  if (!request.Header("last-event-id").empty()) {
    CheckClientError(ParseLastEventId(request.Header("last-event-id")),
                     "Last-Event-ID");
  }
  if (!request.body.empty())
    CheckClientError(DecodeBody(request), "DecodeBody");
}

Authenticator MakeAuthenticator() {
  StatusOr<TokenTable> tokens =
      ParseTokenFile("secret-token,alice,1001,\"kiln:users,team-web\"\n");
  Check(tokens.ok(), "token table");
  return Authenticator(std::move(*tokens));
}

}  // namespace
}  // namespace kiln

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  static const Authenticator authenticator = MakeAuthenticator();
  HttpRequest request;
  if (!ReadRequest(fuzz::AsText(data, size), &request)) return 0;
  const StatusOr<RequestInfo> info =
      ParseRequestInfo(request.method, request.path, request.query);
  fuzz::CheckClientError(info, "ParseRequestInfo", StatusCode::kNotFound);
  (void)IsHealthPath(request.path);
  const StatusOr<UserInfo> user = authenticator.Authenticate(request);
  fuzz::CheckClientError(user, "Authenticate", StatusCode::kUnauthenticated);
  fuzz::Check(!user.ok() || user->name == "alice", "authenticated as another");
  CheckNegotiation(request);
  CheckQuery(request);
  return 0;
}
