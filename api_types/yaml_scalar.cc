#include "api_types/yaml_scalar.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace kiln {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllOf(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool IsOctalDigit(char c) { return c >= '0' && c <= '7'; }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool OneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  for (std::string_view candidate : set) {
    if (s == candidate) return true;
  }
  return false;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsCoreFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const size_t int_start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  const bool has_int = i > int_start;
  bool has_frac = false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t frac_start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    has_frac = i > frac_start;
  }
  if (!has_int && !has_frac) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const size_t exp_start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == exp_start) return false;
  }
  return i == s.size();
}

// Parses unsigned digits in `base`; nullopt on overflow.
std::optional<uint64_t> ParseUnsigned(std::string_view digits, int base) {
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(
      digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

// REQUIRES: `s` matches the core float or integer syntax. strtod (not
// from_chars) so that overflow gives +-HUGE_VAL; Kiln never changes the C
// locale, so the decimal point is '.'.
double ParseDouble(std::string_view s) {
  const std::string copy(s);  // strtod needs a terminator
  return std::strtod(copy.c_str(), nullptr);
}

nlohmann::json ResolveInteger(std::string_view s) {
  bool negative = false;
  std::string_view digits = s;
  if (digits[0] == '-' || digits[0] == '+') {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (const std::optional<uint64_t> u = ParseUnsigned(digits, 10)) {
    if (!negative) {
      if (*u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(*u);
      }
      return *u;
    }
    if (*u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
      return static_cast<int64_t>(0 - *u);
    }
  }
  return ParseDouble(s);
}

// 0o/0x digits; beyond 64 bits the value is kept as an (inexact) double.
nlohmann::json ResolveBased(std::string_view digits, int base) {
  if (const std::optional<uint64_t> u = ParseUnsigned(digits, base)) {
    if (*u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(*u);
    }
    return *u;
  }
  double value = 0;
  for (char c : digits) {
    const int digit = IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    value = value * base + digit;
  }
  return value;
}

bool IsYaml11Numberish(char c) {
  return IsHexDigit(c) || c == 'x' || c == 'X' || c == 'o' || c == 'O' ||
         c == '_' || c == '.' || c == ':' || c == '+' || c == '-';
}

}  // namespace

nlohmann::json ResolvePlainScalar(std::string_view s) {
  if (OneOf(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (OneOf(s, {"true", "True", "TRUE"})) return true;
  if (OneOf(s, {"false", "False", "FALSE"})) return false;
  const bool signed_digits = (s[0] == '-' || s[0] == '+')
                                 ? AllOf(s.substr(1), IsDigit)
                                 : AllOf(s, IsDigit);
  if (signed_digits) return ResolveInteger(s);
  if (s.size() > 2 && s.substr(0, 2) == "0o" &&
      AllOf(s.substr(2), IsOctalDigit)) {
    return ResolveBased(s.substr(2), 8);
  }
  if (s.size() > 2 && s.substr(0, 2) == "0x" &&
      AllOf(s.substr(2), IsHexDigit)) {
    return ResolveBased(s.substr(2), 16);
  }
  if (IsCoreFloat(s)) return ParseDouble(s);
  std::string_view unsigned_part = s;
  double sign = 1;
  if (s[0] == '-' || s[0] == '+') {
    sign = s[0] == '-' ? -1 : 1;
    unsigned_part.remove_prefix(1);
  }
  if (OneOf(unsigned_part, {".inf", ".Inf", ".INF"})) {
    return sign * std::numeric_limits<double>::infinity();
  }
  if (OneOf(s, {".nan", ".NaN", ".NAN"})) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return std::string(s);
}

bool CanWritePlain(std::string_view s) {
  if (s.empty() || !ResolvePlainScalar(s).is_string()) return false;
  // YAML 1.1 booleans, and anything a 1.1 reader might take for a number,
  // a date or a sexagesimal.
  if (OneOf(s, {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on",
                "On", "ON", "off", "Off", "OFF", "="})) {
    return false;
  }
  if ((IsDigit(s[0]) || s[0] == '.' || s[0] == '+' || s[0] == '-') &&
      AllOf(s, IsYaml11Numberish)) {
    return false;
  }
  // Indicators that cannot start a plain scalar (or change its meaning).
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`<= ").find(s[0]) !=
      std::string_view::npos) {
    return false;
  }
  if (s.back() == ' ' || s.back() == ':') return false;
  if (s.starts_with("...")) return false;  // at column 0: end of document
  if (s.find(": ") != std::string_view::npos ||
      s.find(" #") != std::string_view::npos) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return false;
    // U+0085, U+2028, U+2029 (line breaks to YAML 1.1), U+FEFF (BOM).
    const std::string_view rest = s.substr(i);
    if (rest.starts_with("\xC2\x85") || rest.starts_with("\xE2\x80\xA8") ||
        rest.starts_with("\xE2\x80\xA9") || rest.starts_with("\xEF\xBB\xBF")) {
      return false;
    }
  }
  return true;
}

std::string DoubleQuoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::string_view rest = s.substr(i);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
    } else if (rest.starts_with("\xC2\x85")) {
      out += "\\u0085";  // not "\\N": yaml-cpp 0.7 reads that as a raw 0x85
      i += 1;
    } else if (rest.starts_with("\xE2\x80\xA8")) {
      out += "\\u2028";
      i += 2;
    } else if (rest.starts_with("\xE2\x80\xA9")) {
      out += "\\u2029";
      i += 2;
    } else if (rest.starts_with("\xEF\xBB\xBF")) {
      out += "\\uFEFF";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

}  // namespace kiln
