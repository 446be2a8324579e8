#include "controller/apiserver/watch_server.h"

#include <malloc.h>

#include <random>
#include <utility>

namespace kiln {
namespace {

std::string TypeName(WatchEventType t) {
  switch (t) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
  }
  return "MODIFIED";
}

std::string Line(const nlohmann::json& event) {
  return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace

class WatchServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(WatchServer* server, WatchRequest request,
          std::unique_ptr<Watcher> watcher, std::vector<StoredObject> initial,
          std::chrono::steady_clock::time_point deadline)
      : server_(server),
        request_(std::move(request)),
        watcher_(std::move(watcher)),
        initial_(std::move(initial)),
        deadline_(deadline) {}

  const std::string& client_key() const { return request_.client_key; }

  // Called once the response headers are out. Pump thread or server thread.
  void Attach(std::shared_ptr<ResponseStream> stream) {
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      stream_ = stream;
      for (const StoredObject& obj : initial_) {
        if (!Send(WatchEventType::kAdded, obj.value)) break;
      }
      initial_.clear();
      last_write_ = server_->clock_.SteadyNow();
    }
    std::weak_ptr<Session> weak = weak_from_this();
    // Close may run inside a Write made under write_mu_: finish elsewhere.
    stream->OnClose([weak] {
      if (auto self = weak.lock()) self->FinishLater();
    });
    watcher_->SetNotify([weak] {
      if (auto self = weak.lock()) self->Schedule();
    });
    Schedule();
  }

  // Asks for a drain on the pump pool; at most one drain runs at a time.
  void Schedule() {
    pending_ = true;
    if (running_.exchange(true)) return;
    std::weak_ptr<Session> weak = weak_from_this();
    server_->pumps_.Post([weak] {
      if (auto self = weak.lock()) self->RunDrains();
    });
  }

  // Ticker: ends the watch at its deadline, else keeps it alive.
  void Tick(std::chrono::steady_clock::time_point now,
            std::chrono::seconds bookmark_interval) {
    if (now >= deadline_) {
      Finish();
      return;
    }
    if (!KeepAlive(now, bookmark_interval)) Finish();
  }

  void FinishLater() {
    server_->pumps_.Post([self = shared_from_this()] { self->Finish(); });
  }

  // Writes a BOOKMARK (or whitespace) when the stream has been quiet.
  // Returns false when the stream is gone.
  bool KeepAlive(std::chrono::steady_clock::time_point now,
                 std::chrono::seconds bookmark_interval) {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (!stream_ || now - last_write_ < bookmark_interval) return true;
    bool ok;
    if (request_.allow_bookmarks) {
      nlohmann::json object = {
          {"apiVersion", request_.api_version},
          {"kind", request_.kind},
          {"metadata",
           {{"resourceVersion", std::to_string(watcher_->LastRevision())}}}};
      ok = stream_->Write(Line({{"type", "BOOKMARK"}, {"object", object}}));
    } else {
      ok = stream_->Write("\n");  // whitespace between JSON values
    }
    last_write_ = now;
    return ok;
  }

  // Ends the stream and releases the watch. Idempotent.
  void Finish() {
    if (finished_.exchange(true)) return;
    watcher_->Cancel();
    std::shared_ptr<ResponseStream> stream;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      stream = stream_;
    }
    if (stream) stream->Close();
    server_->Forget(this);
  }

 private:
  void RunDrains() {
    do {
      pending_ = false;
      Drain();
    } while (pending_ && !finished_);
    running_ = false;
    if (pending_ && !finished_) Schedule();
  }

  void Drain() {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (!stream_) return;
    while (!finished_) {
      auto next = watcher_->Next(std::chrono::milliseconds(0));
      if (!next.ok()) {
        if (next.status().code() == StatusCode::kOutOfRange) {
          SendExpired(next.status().message());
        }
        // Dropped as too slow, or closed: end the stream; the client
        // re-watches from the last resourceVersion it received.
        FinishLater();
        return;
      }
      if (!next->has_value()) return;
      const WatchEvent& event = **next;
      if (!Send(event.type, event.object.value)) {
        FinishLater();
        return;
      }
      last_write_ = server_->clock_.SteadyNow();
    }
  }

  // REQUIRES: write_mu_ held.
  bool Send(WatchEventType type, const nlohmann::json& object) {
    if (request_.filter && !request_.filter(object)) return true;
    nlohmann::json event = {
        {"type", TypeName(type)},
        {"object", request_.transform ? request_.transform(object) : object}};
    return stream_->Write(Line(event));
  }

  // REQUIRES: write_mu_ held.
  void SendExpired(const std::string& message) {
    nlohmann::json status = {{"kind", "Status"},
                             {"apiVersion", "v1"},
                             {"metadata", nlohmann::json::object()},
                             {"status", "Failure"},
                             {"message", message},
                             {"reason", "Expired"},
                             {"code", 410}};
    stream_->Write(Line({{"type", "ERROR"}, {"object", status}}));
  }

  WatchServer* const server_;
  const WatchRequest request_;
  const std::unique_ptr<Watcher> watcher_;

  std::atomic<bool> pending_{false};
  std::atomic<bool> running_{false};
  std::atomic<bool> finished_{false};

  std::mutex write_mu_;  // orders writes to stream_
  std::shared_ptr<ResponseStream> stream_;
  std::vector<StoredObject> initial_;
  std::chrono::steady_clock::time_point last_write_;
  const std::chrono::steady_clock::time_point deadline_;
};

WatchServer::WatchServer(Store& store, Clock& clock, WatchServerOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      pumps_(options.pump_threads),
      ticker_([this] { Tick(); }) {}

WatchServer::~WatchServer() {
  std::map<Session*, std::shared_ptr<Session>> sessions;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  ticker_.join();
  {
    MutexLock lock(mu_);
    sessions = sessions_;
  }
  for (auto& [raw, session] : sessions) session->Finish();
}

StatusOr<HttpResponse> WatchServer::Serve(WatchRequest request) {
  std::vector<StoredObject> initial;
  if (request.send_initial) {
    ListOptions list;
    list.scope = request.store.scope;
    list.selector = request.store.selector;
    ASSIGN_OR_RETURN(ListResult result, store_.List(list));
    initial = std::move(result.items);
    request.store.from_revision = result.revision;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Watcher> watcher,
                   store_.Watch(request.store));

  std::chrono::seconds timeout = options_.default_timeout;
  if (request.timeout) {
    timeout = std::min(*request.timeout, options_.max_timeout);
  } else {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int64_t> jitter(0, timeout.count() / 5);
    timeout += std::chrono::seconds(jitter(rng));
  }
  auto session = std::make_shared<Session>(
      this, std::move(request), std::move(watcher), std::move(initial),
      clock_.SteadyNow() + timeout);
  {
    MutexLock lock(mu_);
    if (stopping_) return UnavailableError("the server is shutting down");
    size_t& count = per_client_[session->client_key()];
    if (count >= options_.max_watches_per_client) {
      return ResourcesExhaustedError(
          "too many open watches for this client (limit " +
          std::to_string(options_.max_watches_per_client) + ")");
    }
    ++count;
    sessions_[session.get()] = session;
    ++active_;
  }
  HttpResponse response;
  response.content_type = "application/json";
  std::weak_ptr<Session> weak = session;
  response.stream = [weak](std::shared_ptr<ResponseStream> stream) {
    if (auto s = weak.lock()) {
      s->Attach(std::move(stream));
    } else {
      stream->Close();
    }
  };
  return response;
}

void WatchServer::Forget(Session* session) {
  std::shared_ptr<Session> keep;  // released outside the lock
  MutexLock lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  keep = std::move(it->second);
  sessions_.erase(it);
  auto c = per_client_.find(keep->client_key());
  if (c != per_client_.end() && --c->second == 0) per_client_.erase(c);
  --active_;
  ++forgotten_;
}

void WatchServer::Tick() {
  while (true) {
    std::vector<std::shared_ptr<Session>> sessions;
    {
      MutexLock lock(mu_);
      cv_.WaitFor(std::chrono::seconds(1));
      if (stopping_) return;
      for (auto& [raw, s] : sessions_) sessions.push_back(s);
    }
    const auto now = clock_.SteadyNow();
    for (auto& s : sessions) s->Tick(now, options_.bookmark_interval);
    // After a burst of watches ended (e.g. clients that vanished, timing
    // out together) and two quiet ticks, hand the freed heap back to the
    // system: glibc keeps it in per-thread arenas otherwise, and a server
    // that once held many streams would keep their memory for good.
    const int64_t forgotten = forgotten_.load();
    if (forgotten != forgotten_seen_) {
      forgotten_seen_ = forgotten;
      quiet_ticks_ = 0;
      trim_pending_ = true;
    } else if (trim_pending_ && ++quiet_ticks_ >= 2) {
      trim_pending_ = false;
      malloc_trim(0);
    }
  }
}

}  // namespace kiln
