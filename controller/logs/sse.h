// Server-Sent Events framing for streaming build logs
// (https://html.spec.whatwg.org/multipage/server-sent-events.html).
//
// A log stream is a sequence of frames:
//   event: log\nid: <offset after this chunk>\ndata: <line>\n...\n\n
//   event: status\ndata: <json>\n\n
//   : heartbeat\n\n
// The id is the log byte offset after the chunk, so a client that
// reconnects with Last-Event-ID resumes exactly after what it saw
// (ParseLastEventId → BuildLogStore::Read / LogPoller::Follow offset).
//
// SSE cannot carry a CR: the spec treats CR, LF and CRLF alike as line
// ends. So a CRLF or a lone CR in the log (buildah progress output) reaches
// the client as LF. Ids stay raw log offsets, so resuming is exact anyway.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

inline constexpr std::string_view kSseContentType = "text/event-stream";

// A comment frame that keeps proxies and the client's timeout from closing
// an idle stream.
inline constexpr std::string_view kSseHeartbeat = ": heartbeat\n\n";

// An `event: log` frame carrying `data` (log bytes) with `id: next_offset`.
// Each line of `data` becomes one `data:` field; the client joins them with
// '\n', so a chunk of whole lines ("a\nb\n") arrives byte for byte (its
// trailing newline is the final empty `data:` field). Empty `data` gives one
// empty `data:` field.
std::string SseLogFrame(std::string_view data, int64_t next_offset);

// An `event: status` frame with `json` as its data (split into `data:`
// fields if it holds newlines).
std::string SseStatusFrame(std::string_view json);

// Parses a Last-Event-ID header value into a log byte offset: decimal digits
// only, optional surrounding spaces/tabs, at most int64. InvalidArgument
// otherwise, with the offending value (shortened) in the message.
StatusOr<int64_t> ParseLastEventId(std::string_view value);

}  // namespace kiln
