#include "api_types/time.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {
namespace {

// Parses exactly `width` decimal digits at text[*pos]; advances *pos.
std::optional<int> Digits(std::string_view text, size_t* pos, size_t width) {
  if (*pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  *pos += width;
  return value;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Parses "(Z|±HH:MM)" at the end of `text`; returns the offset east of UTC.
std::optional<std::chrono::seconds> ParseZone(std::string_view text,
                                              size_t pos) {
  if (pos >= text.size()) return std::nullopt;
  const char sign = text[pos++];
  if (sign == 'Z') {
    if (pos != text.size()) return std::nullopt;
    return std::chrono::seconds(0);
  }
  if (sign != '+' && sign != '-') return std::nullopt;
  const auto hours = Digits(text, &pos, 2);
  if (!hours || !Expect(text, &pos, ':')) return std::nullopt;
  const auto minutes = Digits(text, &pos, 2);
  if (!minutes || pos != text.size()) return std::nullopt;
  if (*hours > 23 || *minutes > 59) return std::nullopt;
  const std::chrono::seconds offset =
      std::chrono::hours(*hours) + std::chrono::minutes(*minutes);
  return sign == '+' ? offset : -offset;
}

// "YYYY-MM-DDTHH:MM:SS" for `t`, without fraction or zone.
std::string DateAndTime(Timestamp t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss time{t - days};
  char buf[64];
  std::snprintf(
      buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d",
      static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
      static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()));
  return buf;
}

}  // namespace

std::string FormatRfc3339(Timestamp t) { return DateAndTime(t) + "Z"; }

std::string FormatRfc3339(std::chrono::sys_time<std::chrono::nanoseconds> t,
                          SubsecondDigits digits) {
  const Timestamp seconds = std::chrono::floor<std::chrono::seconds>(t);
  long long fraction = (t - seconds).count();  // [0, 1e9)
  int width = 9;
  if (digits == SubsecondDigits::kMicros) {
    fraction /= 1000;
    width = 6;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), ".%0*lldZ", width, fraction);
  return DateAndTime(seconds) + buf;
}

std::optional<Timestamp> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  const auto year = Digits(text, &pos, 4);
  if (!year || !Expect(text, &pos, '-')) return std::nullopt;
  const auto month = Digits(text, &pos, 2);
  if (!month || !Expect(text, &pos, '-')) return std::nullopt;
  const auto day = Digits(text, &pos, 2);
  if (!day || !Expect(text, &pos, 'T')) return std::nullopt;
  const auto hour = Digits(text, &pos, 2);
  if (!hour || !Expect(text, &pos, ':')) return std::nullopt;
  const auto minute = Digits(text, &pos, 2);
  if (!minute || !Expect(text, &pos, ':')) return std::nullopt;
  const auto second = Digits(text, &pos, 2);
  if (!second) return std::nullopt;
  if (Expect(text, &pos, '.')) {  // fraction: at least one digit, truncated
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  const auto offset = ParseZone(text, pos);
  if (!offset) return std::nullopt;

  const std::chrono::year_month_day date{
      std::chrono::year(*year),
      std::chrono::month(static_cast<unsigned>(*month)),
      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const Timestamp local =
      std::chrono::sys_days(date) + std::chrono::hours(*hour) +
      std::chrono::minutes(*minute) + std::chrono::seconds(*second);
  return local - *offset;
}

}  // namespace kiln
