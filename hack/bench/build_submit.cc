#include "hack/bench/build_submit.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "hack/bench/api_build_body.h"

namespace kiln::bench {
namespace {

namespace http = web::http;
using Clock = std::chrono::steady_clock;

// api_build_body's Build with the benchmark's Dockerfile and memory.
std::string Body(const std::string& name) {
  nlohmann::json body = nlohmann::json::parse(BuildBody(name));
  nlohmann::json& spec = body["spec"];
  spec["source"]["inline"]["files"]["Dockerfile"] = kBenchDockerfile;
  spec["resources"]["memoryMiB"] = 512;  // buildah needs more than 64 MiB
  spec["timeoutSeconds"] = 600;
  return body.dump();
}

}  // namespace

SubmitResult SubmitBuild(http::client::http_client& client,
                         const ApiEndpoint& endpoint, const std::string& ns,
                         const std::string& name) {
  http::http_request request =
      NewRequest(endpoint, http::methods::POST, BuildsPath(ns));
  request.set_body(Body(name), "application/json");
  SubmitResult r;
  r.sent = Clock::now();
  try {
    http::http_response response = client.request(request).get();
    const std::string body = response.extract_utf8string(true).get();
    r.answered = Clock::now();
    r.status = response.status_code();
    if (auto it = response.headers().find("Retry-After");
        it != response.headers().end()) {
      r.retry_after_s = std::atoi(it->second.c_str());
    }
    if (r.status == http::status_codes::Created) {
      r.uid = nlohmann::json::parse(body).at("metadata").at("uid");
    } else {
      r.failure = std::to_string(r.status) + " " + body.substr(0, 300);
    }
  } catch (const std::exception& e) {  // transport, TLS, JSON
    r.answered = Clock::now();
    r.failure = e.what();
  }
  return r;
}

}  // namespace kiln::bench
