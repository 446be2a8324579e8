// Log streaming as Server-Sent Events: ParseLastEventId (the Last-Event-ID
// header a reconnecting client sends) and the frames SseLogFrame and
// SseStatusFrame write, read back as the SSE spec's client does: one event
// per frame whose data is the log bytes with CR and CRLF turned into LF, and
// whose id parses back to the offset. Input: the header value, then after a
// NUL byte the log bytes of one frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "controller/logs/sse.h"
#include "tests/fuzz/fuzz_check.h"

namespace kiln {
namespace {

struct SseEvent {
  std::string type;
  std::string id;
  std::string data;
  int dispatched = 0;  // events ended by a blank line
};

// The SSE client algorithm (html.spec.whatwg.org, "Interpreting an event
// stream") on a frame that has LF line ends only.
SseEvent ReadFrame(std::string_view frame) {
  SseEvent event;
  std::vector<std::string> data;
  size_t start = 0;
  for (size_t end; (end = frame.find('\n', start)) != std::string::npos;
       start = end + 1) {
    const std::string_view line = frame.substr(start, end - start);
    if (line.empty()) {
      ++event.dispatched;
      continue;
    }
    fuzz::Check(event.dispatched == 0, "a field after the event ended");
    const size_t colon = line.find(':');
    fuzz::Check(colon != std::string_view::npos && colon > 0,
                "not a field: " + std::string(line));
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    const std::string_view field = line.substr(0, colon);
    if (field == "data") data.emplace_back(value);
    if (field == "event") event.type = value;
    if (field == "id") event.id = value;
  }
  fuzz::Check(start == frame.size(), "frame does not end with a line end");
  for (size_t i = 0; i < data.size(); ++i) {
    event.data += (i == 0 ? "" : "\n") + data[i];
  }
  return event;
}

std::string WithLfLineEnds(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out.push_back(text[i]);
      continue;
    }
    out.push_back('\n');
    if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
  }
  return out;
}

void CheckFrames(int64_t offset, std::string_view data) {
  const SseEvent log = ReadFrame(SseLogFrame(data, offset));
  fuzz::Check(log.dispatched == 1 && log.type == "log", "log frame shape");
  fuzz::Check(log.data == WithLfLineEnds(data), "log data changed");
  const StatusOr<int64_t> id = ParseLastEventId(log.id);
  fuzz::Check(id.ok() && *id == offset, "id does not parse back");
  const SseEvent status = ReadFrame(SseStatusFrame(data));
  fuzz::Check(status.dispatched == 1 && status.type == "status" &&
                  status.data == WithLfLineEnds(data),
              "status frame changed the data");
}

}  // namespace
}  // namespace kiln

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [header, log] =
      kiln::fuzz::SplitOnce(kiln::fuzz::AsText(data, size), '\0');
  const kiln::StatusOr<int64_t> offset = kiln::ParseLastEventId(header);
  if (kiln::fuzz::CheckClientError(offset, "ParseLastEventId")) {
    kiln::fuzz::Check(*offset >= 0, "negative offset");
    kiln::fuzz::Check(
        kiln::ParseLastEventId(std::to_string(*offset)).status().ok(),
        "the canonical form does not parse");
  }
  kiln::CheckFrames(offset.ok() ? *offset : 0, log);
  return 0;
}
