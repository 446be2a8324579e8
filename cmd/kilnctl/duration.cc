#include "cmd/kilnctl/duration.h"

#include <cctype>

namespace kiln::kilnctl {

StatusOr<std::chrono::milliseconds> ParseDuration(const std::string& text,
                                                  const std::string& flag) {
  auto bad = [&] {
    return InvalidArgumentError(flag + " \"" + text +
                                "\": want a duration like 30s, 10m, 1h30m");
  };
  if (text.empty()) return bad();
  bool digits_only = true;
  for (char c : text)
    digits_only &= std::isdigit(static_cast<unsigned char>(c)) != 0;
  if (digits_only) {
    if (text.size() > 9) return bad();
    return std::chrono::milliseconds(std::stoll(text) * 1000);
  }
  long long total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (
        i < text.size() &&
        (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (i == start || i - start > 9) return bad();
    const std::string number = text.substr(start, i - start);
    if (number.find('.') != number.rfind('.') || number == ".") return bad();
    const double value = std::stod(text.substr(start, i - start));
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
      ++i;
    const std::string unit = text.substr(unit_start, i - unit_start);
    double ms;
    if (unit == "ms")
      ms = value;
    else if (unit == "s")
      ms = value * 1000;
    else if (unit == "m")
      ms = value * 60000;
    else if (unit == "h")
      ms = value * 3600000;
    else
      return bad();
    total_ms += static_cast<long long>(ms);
  }
  return std::chrono::milliseconds(total_ms);
}

}  // namespace kiln::kilnctl
