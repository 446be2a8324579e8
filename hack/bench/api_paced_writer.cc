#include "hack/bench/api_paced_writer.h"

#include <chrono>
#include <exception>
#include <thread>

namespace kiln::bench {
namespace {

namespace http = web::http;
using Clock = std::chrono::steady_clock;

}  // namespace

PacedWriter::PacedWriter(const ApiEndpoint& endpoint, std::string ns)
    : endpoint_(endpoint),
      ns_(std::move(ns)),
      client_(web::uri(endpoint.server),
              MakeClientConfig(endpoint, std::chrono::seconds(60))) {}

Status PacedWriter::Connect() {
  try {
    http::http_response r =
        client_.request(NewRequest(endpoint_, http::methods::GET, "/version"))
            .get();
    r.content_ready().wait();
    if (r.status_code() == http::status_codes::OK) return OkStatus();
    return UnavailableError("GET /version: HTTP " +
                            std::to_string(r.status_code()));
  } catch (const std::exception& e) {
    return UnavailableError(std::string("GET /version: ") + e.what());
  }
}

PacedWriteResult PacedWriter::Run(int64_t writes, double rate_per_s,
                                  BuildNamer& names, const std::string& tag) {
  PacedWriteResult r;
  r.create.Reserve(writes);
  const Clock::time_point start = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / rate_per_s));
  for (int64_t i = 0; i < writes; ++i) {
    std::this_thread::sleep_until(start + i * interval);
    const Clock::time_point sent = Clock::now();
    const std::string t = std::to_string(
        std::chrono::nanoseconds(sent.time_since_epoch()).count());
    http::http_request request =
        NewRequest(endpoint_, http::methods::POST, BuildsPath(ns_));
    request.set_body(
        BuildBody(names.Next(), {{"bench/run", tag}, {"bench/t", t}}),
        "application/json");
    try {
      http::http_response response = client_.request(request).get();
      std::string body = response.extract_utf8string(true).get();
      r.create.Add(Clock::now() - sent);
      if (response.status_code() == http::status_codes::Created) {
        ++r.ok;
        continue;
      }
      ++r.failures;
      if (r.first_failure.empty())
        r.first_failure =
            std::to_string(response.status_code()) + " " + body.substr(0, 300);
    } catch (const std::exception& e) {  // transport, TLS, timeout
      ++r.failures;
      if (r.first_failure.empty()) r.first_failure = e.what();
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace kiln::bench
