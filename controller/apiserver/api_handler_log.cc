// GET /apis/kiln.dev/v1/namespaces/NS/builds/NAME/log — the build log,
// as `kubectl logs` serves a pod's: ?offset=N (byte offset), ?tailLines=N,
// ?limitBytes=N, ?timestamps=true, ?follow=true (streams new lines as the
// builder writes them and ends when the Build is terminal). With
// `Accept: text/event-stream` the stream is Server-Sent Events: `event: log`
// frames whose `id:` is the byte offset after them (Last-Event-ID resumes
// exactly), a final `event: status` frame with the Build's phase, and a
// heartbeat comment every 15 s.
#include <chrono>

#include "api_types/phase.h"
#include "api_types/time.h"
#include "controller/apiserver/api_handler.h"
#include "controller/apiserver/api_handler_helpers.h"
#include "controller/apiserver/content_type.h"
#include "controller/logs/sse.h"

namespace kiln {
namespace {

bool BoolParam(const HttpRequest& request, const std::string& name) {
  const std::string v = request.Query(name);
  return v == "true" || v == "1";
}

// RFC 3339 with nanoseconds, as kubectl logs --timestamps prints.
std::string NowStamp(Clock& clock) {
  return FormatRfc3339(std::chrono::time_point_cast<std::chrono::nanoseconds>(
                           clock.SystemNow()),
                       SubsecondDigits::kNanos) +
         " ";
}

// Prefixes every line of `data` (which starts at a line start) with `stamp`.
std::string Stamped(std::string_view data, const std::string& stamp) {
  std::string out;
  bool line_start = true;
  for (char c : data) {
    if (line_start) out += stamp;
    out.push_back(c);
    line_start = c == '\n';
  }
  return out;
}

}  // namespace

HttpResponse ApiHandler::HandleLog(const HttpRequest& request,
                                   const RequestInfo& info,
                                   const UserInfo& user) {
  if (logs_ == nullptr) {
    return Error(NotFoundError("build logs are not served by this server"),
                 info);
  }
  StatusOr<Build> build = builds_.Get(info.namespace_, info.name);
  if (!build.ok()) return Error(build.status(), info);
  auto offset = IntegerParameter(request, "offset", 0);
  if (!offset.ok()) return Error(offset.status(), info, true);
  auto tail = IntegerParameter(request, "tailLines", 0);
  if (!tail.ok()) return Error(tail.status(), info, true);
  auto limit = IntegerParameter(request, "limitBytes", 0);
  if (!limit.ok()) return Error(limit.status(), info, true);
  const bool sse =
      request.Header("accept").find("text/event-stream") != std::string::npos;
  if (sse && !request.Header("last-event-id").empty()) {
    StatusOr<int64_t> resume =
        ParseLastEventId(request.Header("last-event-id"));
    if (!resume.ok()) return Error(resume.status(), info, true);
    *offset = *resume;
  }
  if (*offset && *tail) {
    return Error(
        InvalidArgumentError("offset and tailLines cannot be used together"),
        info, true);
  }
  const bool timestamps = BoolParam(request, "timestamps");
  const bool follow = BoolParam(request, "follow") || sse;
  const std::string uid = build->metadata.uid;

  // What is there now (from `offset`, or the last tailLines lines).
  LogReadOptions read;
  read.offset = *offset;
  read.tail_lines = *tail;
  read.limit_bytes = follow ? std::nullopt : *limit;
  read.timestamps = timestamps;
  LogChunk chunk;
  StatusOr<LogChunk> got = logs_->store().Read(uid, read);
  if (got.ok()) {
    chunk = *std::move(got);
  } else if (got.status().code() == StatusCode::kNotFound) {
    chunk.next_offset = offset->value_or(0);  // no log yet: nothing so far
  } else if (got.status().code() == StatusCode::kOutOfRange) {
    return Error(InvalidArgumentError("offset: " + got.status().message()),
                 info, true);
  } else {
    return Error(got.status(), info);
  }
  if (!follow) {
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(chunk.data);
    return r;
  }

  // Each follow holds an fd and a buffer until the build ends: capped per
  // user. The slot goes with the follower's callbacks.
  std::shared_ptr<void> slot = follows_->TryAcquire(user.name);
  if (slot == nullptr) {
    return TooManyRequests(
        "too many log follows for user \"" + user.name + "\" (at most " +
        std::to_string(follows_->max_per_client()) + " at once)");
  }
  HttpResponse r;
  r.content_type =
      sse ? std::string(kSseContentType) : "text/plain; charset=utf-8";
  r.headers.emplace_back("Cache-Control", "no-cache");
  LogService* logs = logs_;
  Clock* clock = &clock_;
  BuildStorage* builds = &builds_;
  const std::string ns = info.namespace_;
  const std::string name = info.name;
  r.stream = [=, first = std::move(chunk)](
                 std::shared_ptr<ResponseStream> stream) mutable {
    if (!first.data.empty()) {
      stream->Write(sse ? SseLogFrame(first.data, first.next_offset)
                        : first.data);
    }
    // The callbacks own the stream (nothing else does) until the follower
    // ends: at the Build's end, or when the client goes and the stream
    // closes (its on-close drops the follower and with it the callbacks).
    auto on_data = [s = stream, sse, timestamps, clock, slot](
                       std::string_view data, int64_t next) {
      std::string text =
          timestamps ? Stamped(data, NowStamp(*clock)) : std::string(data);
      return s->Write(sse ? SseLogFrame(text, next) : text);
    };
    auto on_end = [s = stream, sse, builds, ns, name](const Status& status) {
      if (sse) {
        nlohmann::json j = {{"phase", ""}};
        if (StatusOr<Build> b = builds->Get(ns, name); b.ok()) {
          j["phase"] = std::string(PhaseName(b->status.phase));
          j["reason"] = b->status.reason;
          j["message"] = b->status.message;
        }
        if (!status.ok()) j["error"] = status.message();
        s->Write(SseStatusFrame(j.dump()));
      }
      s->Close();
    };
    std::shared_ptr<LogFollower> follower =
        logs->poller().Follow(*logs->store().LogPath(uid), first.next_offset,
                              LogFollowerCallbacks{on_data, on_end});
    // The client going away cancels the follower.
    stream->OnClose([follower] { follower->Cancel(); });
    if (sse) {
      logs->AddHeartbeat(
          [w = std::weak_ptr<ResponseStream>(stream)](std::string_view chunk) {
            std::shared_ptr<ResponseStream> s = w.lock();
            return s != nullptr && !s->closed() && s->Write(chunk);
          });
    }
    // Created before this check, so a Build that turned terminal meanwhile
    // is not missed (the controller calls FinishPath after the write).
    StatusOr<Build> now = builds->Get(ns, name);
    if (!now.ok() || IsTerminal(now->status.phase)) follower->Finish();
  };
  return r;
}

}  // namespace kiln
