#include "controller/logs/sse.h"

#include <limits>

namespace kiln {
namespace {

// Appends one `data:` field per line of `data`; CR, LF and CRLF all end a
// line, and no CR is ever written.
void AppendDataFields(std::string_view data, std::string& out) {
  size_t pos = 0;
  while (true) {
    const size_t end = data.find_first_of("\r\n", pos);
    out += "data: ";
    if (end == std::string_view::npos) {
      out.append(data.substr(pos));
      out += '\n';
      return;
    }
    out.append(data.substr(pos, end - pos));
    out += '\n';
    pos = end + 1;
    if (data[end] == '\r' && pos < data.size() && data[pos] == '\n') ++pos;
  }
}

}  // namespace

std::string SseLogFrame(std::string_view data, int64_t next_offset) {
  std::string out;
  out.reserve(data.size() + 64);
  out += "event: log\nid: ";
  out += std::to_string(next_offset);
  out += '\n';
  AppendDataFields(data, out);
  out += '\n';
  return out;
}

std::string SseStatusFrame(std::string_view json) {
  std::string out = "event: status\n";
  AppendDataFields(json, out);
  out += '\n';
  return out;
}

StatusOr<int64_t> ParseLastEventId(std::string_view value) {
  std::string_view digits = value;
  while (!digits.empty() && (digits.front() == ' ' || digits.front() == '\t')) {
    digits.remove_prefix(1);
  }
  while (!digits.empty() && (digits.back() == ' ' || digits.back() == '\t')) {
    digits.remove_suffix(1);
  }
  auto invalid = [value](std::string_view why) {
    constexpr size_t kShown = 32;
    std::string shown(value.substr(0, kShown));
    for (char& c : shown) {
      if (c < 0x20 || c == 0x7f) c = '?';
    }
    if (value.size() > kShown) shown += "...";
    return InvalidArgumentError("Last-Event-ID \"" + shown + "\" " +
                                std::string(why));
  };
  if (digits.empty()) return invalid("is empty; want a byte offset");
  int64_t offset = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return invalid("is not a byte offset (decimal digits only)");
    }
    const int d = c - '0';
    if (offset > (std::numeric_limits<int64_t>::max() - d) / 10) {
      return invalid("is too large");
    }
    offset = offset * 10 + d;
  }
  return offset;
}

}  // namespace kiln
