// The parts of an HttpRequest that Kiln decodes itself from what the HTTP
// library hands over (cpprestsdk parses the request line and header lines;
// http_server_cpprest.cc calls these): the percent-encoded path and query
// of the request target, and header names. Kept apart from the adapter so
// they can be tested and fuzzed without a server. Pure functions:
// thread-safe.
#pragma once

#include <string>

#include "api_types/status.h"
#include "controller/apiserver/http.h"

namespace kiln {

// Sets request->path, request->query and request->query_list from the
// request target's path
// and query as sent (still percent-encoded, query without the '?'). The path
// is percent-decoded. The query is split at '&' into name=value parameters,
// each part read with '+' as a space and then percent-decoded; the last
// value of a repeated name wins; a parameter without '=' ("?verbose") is
// present with an empty value unless given a value elsewhere. query_list
// keeps every parameter in order.
// InvalidArgument (HTTP 400) for a '%' not followed by two hex digits or
// non-ASCII text.
Status DecodeRequestTarget(const std::string& raw_path,
                           const std::string& raw_query, HttpRequest* request);

// Sets header `name` (any case) to `value`: request->headers is keyed by the
// lowercased name; a repeated header keeps the last value.
void SetRequestHeader(const std::string& name, const std::string& value,
                      HttpRequest* request);

}  // namespace kiln
