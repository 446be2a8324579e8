#include "hack/bench/api_create_load.h"

#include <atomic>
#include <exception>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace http = web::http;

// One client thread's tallies; merged after join.
struct ClientTally {
  int64_t created = 0;
  int64_t rejected = 0;
  int64_t errors = 0;
  std::map<int, int64_t> by_status;
  std::string first_failure;
  LatencySamples latency;
  Status warmup;
};

struct SharedState {
  const ApiEndpoint& endpoint;
  const CreateLoadOptions& options;
  BuildNamer& names;
  std::latch ready;
  std::latch go;
  std::atomic<int64_t> issued;
  Clock::time_point deadline;  // set before `go` opens
};

// Sends one create; returns false (and records why) when no response came.
void CreateOnce(http::client::http_client& client, SharedState& s,
                ClientTally& t) {
  http::http_request request =
      NewRequest(s.endpoint, http::methods::POST, BuildsPath(s.options.ns));
  request.set_body(BuildBody(s.names.Next()), "application/json");
  const Clock::time_point start = Clock::now();
  try {
    http::http_response response = client.request(request).get();
    std::string body = response.extract_utf8string(true).get();
    t.latency.Add(Clock::now() - start);
    const int code = response.status_code();
    ++t.by_status[code];
    if (code == http::status_codes::Created) {
      ++t.created;
    } else {
      ++t.rejected;
      if (t.first_failure.empty())
        t.first_failure = std::to_string(code) + " " + body.substr(0, 300);
    }
  } catch (const std::exception& e) {  // http_exception, TLS errors
    ++t.errors;
    if (t.first_failure.empty()) t.first_failure = e.what();
  }
}

void ClientThread(SharedState& s, ClientTally& t) {
  http::client::http_client client(
      web::uri(s.endpoint.server),
      MakeClientConfig(s.endpoint, s.options.request_timeout));
  try {  // opens the keep-alive connection before the clock starts
    http::http_response r =
        client.request(NewRequest(s.endpoint, http::methods::GET, "/version"))
            .get();
    r.content_ready().wait();
    if (r.status_code() != http::status_codes::OK)
      t.warmup =
          UnavailableError("GET /version: " + std::to_string(r.status_code()));
  } catch (const std::exception& e) {
    t.warmup = UnavailableError(std::string("GET /version: ") + e.what());
  }
  s.ready.count_down();
  s.go.wait();
  if (!t.warmup.ok()) return;
  while (s.issued.fetch_add(1) < s.options.max_requests &&
         Clock::now() < s.deadline) {
    CreateOnce(client, s, t);
  }
}

}  // namespace

StatusOr<CreateLoadResult> RunCreateLoad(const ApiEndpoint& endpoint,
                                         const CreateLoadOptions& options,
                                         BuildNamer& names, pid_t server_pid) {
  SharedState shared{endpoint,
                     options,
                     names,
                     std::latch(options.clients),
                     std::latch(1),
                     {0},
                     Clock::time_point()};
  std::vector<ClientTally> tallies(options.clients);
  for (ClientTally& t : tallies) t.latency.Reserve(options.max_requests);
  std::vector<std::thread> threads;
  for (int i = 0; i < options.clients; ++i) {
    threads.emplace_back(
        [&shared, &t = tallies[i]] { ClientThread(shared, t); });
  }
  shared.ready.wait();
  CpuSplitMeter cpu(server_pid);
  const Clock::time_point start = Clock::now();
  shared.deadline = start + options.max_duration;
  shared.go.count_down();
  for (std::thread& th : threads) th.join();
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();

  CreateLoadResult r;
  r.clients = options.clients;
  r.cpu = cpu.Read();
  r.seconds = seconds;
  LatencySamples all;
  for (ClientTally& t : tallies) {
    if (!t.warmup.ok()) return t.warmup;
    r.created += t.created;
    r.rejected += t.rejected;
    r.errors += t.errors;
    for (auto [code, n] : t.by_status) r.by_status[code] += n;
    if (r.first_failure.empty()) r.first_failure = t.first_failure;
    all.Merge(t.latency);
  }
  r.created_per_s = seconds > 0 ? r.created / seconds : 0;
  r.latency = all.Summarize();
  return r;
}

nlohmann::json ToJson(const CreateLoadResult& r) {
  nlohmann::json by_status = nlohmann::json::object();
  for (auto [code, n] : r.by_status) by_status[std::to_string(code)] = n;
  return {{"clients", r.clients},         {"created", r.created},
          {"rejected", r.rejected},       {"errors", r.errors},
          {"by_status", by_status},       {"first_failure", r.first_failure},
          {"seconds", r.seconds},         {"created_per_s", r.created_per_s},
          {"latency", ToJson(r.latency)}, {"cpu", ToJson(r.cpu)}};
}

}  // namespace kiln::bench
