#include "hack/bench/api_watcher.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <optional>
#include <string_view>
#include <utility>

namespace kiln::bench {
namespace {

namespace http = web::http;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kSendTime = "\"bench/t\":\"";

// The bench/t annotation of a compact-JSON event line (kilnd writes compact
// JSON); nullopt when absent or malformed.
std::optional<int64_t> SendTimeNs(const std::string& line) {
  size_t at = line.find(kSendTime);
  if (at == std::string::npos) return std::nullopt;
  const char* first = line.data() + at + kSendTime.size();
  const char* last = line.data() + line.size();
  int64_t ns = 0;
  auto [end, ec] = std::from_chars(first, last, ns);
  if (ec != std::errc() || end == last || *end != '"') return std::nullopt;
  return ns;
}

}  // namespace

std::shared_ptr<StreamWatcher> StreamWatcher::Start(
    const ApiEndpoint& endpoint, const std::string& path_and_query,
    const std::string& tag) {
  return Send(
      std::shared_ptr<StreamWatcher>(new StreamWatcher(endpoint, tag, nullptr)),
      endpoint, path_and_query);
}

std::shared_ptr<StreamWatcher> StreamWatcher::StartWithHandler(
    const ApiEndpoint& endpoint, const std::string& path_and_query,
    LineHandler on_line) {
  return Send(std::shared_ptr<StreamWatcher>(
                  new StreamWatcher(endpoint, "", std::move(on_line))),
              endpoint, path_and_query);
}

std::shared_ptr<StreamWatcher> StreamWatcher::Send(
    std::shared_ptr<StreamWatcher> self, const ApiEndpoint& endpoint,
    const std::string& path_and_query) {
  http::http_request request =
      NewRequest(endpoint, http::methods::GET, path_and_query);
  self->client_.request(request, self->cancel_.get_token())
      .then([self](pplx::task<http::http_response> headers) {
        try {
          self->OnHeaders(headers.get());
        } catch (const std::exception& e) {  // connect, TLS, cancel
          self->End(e.what());
        }
      });
  return self;
}

StreamWatcher::StreamWatcher(const ApiEndpoint& endpoint, std::string tag,
                             LineHandler on_line)
    : tag_needle_("\"bench/run\":\"" + tag + "\""),
      on_line_(std::move(on_line)),
      // The timeout bounds each read: kilnd writes a heartbeat every 10 s.
      client_(web::uri(endpoint.server),
              MakeClientConfig(endpoint, std::chrono::seconds(120))) {}

std::string StreamWatcher::first_anomaly() const {
  MutexLock lock(mu_);
  return first_anomaly_;
}

LatencySamples StreamWatcher::Samples() const {
  MutexLock lock(mu_);
  return samples_;
}

void StreamWatcher::Cancel() {
  cancelled_ = true;
  cancel_.cancel();
}

void StreamWatcher::OnHeaders(http::http_response response) {
  response_ = response;
  if (response.status_code() != http::status_codes::OK) {
    const int code = response.status_code();
    auto self = shared_from_this();
    response.extract_utf8string(true).then(
        [self, code](pplx::task<std::string> body) {
          std::string text;
          try {
            text = body.get().substr(0, 300);
          } catch (const std::exception& e) {
            text = e.what();
          }
          self->End("HTTP " + std::to_string(code) + ": " + text);
        });
    return;
  }
  connected_ = true;
  body_ = response.body();
  ReadNext();
}

void StreamWatcher::ReadNext() {
  // Whatever is buffered (at most a chunk), or wait for at least one byte.
  // Reading line by line (istream::read_line) costs a locked virtual call
  // per character, which made this client use as much CPU as kilnd.
  concurrency::streams::streambuf<uint8_t> buf = body_.streambuf();
  const size_t want = std::clamp<size_t>(buf.in_avail(), 1, chunk_.size());
  auto self = shared_from_this();
  buf.getn(chunk_.data(), want).then([self](pplx::task<size_t> read) {
    size_t n = 0;
    try {
      n = read.get();
    } catch (const std::exception& e) {  // closed, cancelled, timed out
      self->End(e.what());
      return;
    }
    if (n == 0) {
      self->End("the server closed the stream");
      return;
    }
    self->OnBytes(n, Clock::now());
    self->ReadNext();
  });
}

void StreamWatcher::OnBytes(size_t n, Clock::time_point now) {
  pending_.append(reinterpret_cast<const char*>(chunk_.data()), n);
  size_t begin = 0;
  for (size_t end; (end = pending_.find('\n', begin)) != std::string::npos;
       begin = end + 1) {
    OnLine(pending_.substr(begin, end - begin), now);
  }
  pending_.erase(0, begin);
}

void StreamWatcher::OnLine(const std::string& line, Clock::time_point now) {
  if (line.empty()) return;  // heartbeat
  if (on_line_) {
    on_line_(line, now);
  } else if (line.find(tag_needle_) != std::string::npos) {
    std::optional<int64_t> sent = SendTimeNs(line);
    if (!sent) {
      Anomaly("tagged event without a readable bench/t: " +
              line.substr(0, 200));
      return;
    }
    const auto latency =
        now.time_since_epoch() - std::chrono::nanoseconds(*sent);
    {
      MutexLock lock(mu_);
      samples_.Add(latency);
    }
    ++received_;
    return;
  }
  if (line.find("\"type\":\"ERROR\"") != std::string::npos)
    Anomaly(line.substr(0, 300));
  // Anything else (BOOKMARK, other objects) is not ours.
}

void StreamWatcher::End(const std::string& why) {
  if (ended_.exchange(true)) return;
  if (!cancelled_) Anomaly("stream ended: " + why);
}

void StreamWatcher::Anomaly(const std::string& what) {
  ++anomalies_;
  MutexLock lock(mu_);
  if (first_anomaly_.empty()) first_anomaly_ = what;
}

}  // namespace kiln::bench
