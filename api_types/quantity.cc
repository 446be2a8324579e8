#include "api_types/quantity.h"

#include <charconv>
#include <limits>
#include <string>

namespace kiln {

StatusOr<int64_t> ParseMemoryMiB(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("invalid memory quantity \"" +
                                std::string(text) + "\": " + why +
                                " (use e.g. 16Gi, 2048Mi or 1G)");
  };
  int64_t number = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || number < 0) return bad("not a non-negative integer");
  std::string_view suffix(end, text.data() + text.size() - end);
  struct Unit {
    std::string_view suffix;
    int64_t bytes;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},           {"Ki", 1LL << 10}, {"Mi", 1LL << 20},
      {"Gi", 1LL << 30}, {"Ti", 1LL << 40}, {"K", 1000},
      {"M", 1000000},    {"G", 1000000000}, {"T", 1000000000000}};
  for (const Unit& u : kUnits) {
    if (u.suffix != suffix) continue;
    if (number > std::numeric_limits<int64_t>::max() / u.bytes) {
      return bad("too large");
    }
    int64_t mib = number * u.bytes / (1LL << 20);
    if (mib < 1) return bad("less than 1Mi");
    return mib;
  }
  return bad("unknown suffix \"" + std::string(suffix) + "\"");
}

}  // namespace kiln
