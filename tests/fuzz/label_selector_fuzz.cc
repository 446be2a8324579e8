// ?labelSelector=: LabelSelector::Parse, its canonical form (ToString parses
// back to an equal selector that matches the same labels) and Matches.
// Input: the selector, then after a NUL byte "key=value" lines for Matches.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "api_types/label_selector.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

std::map<std::string, std::string> Labels(std::string_view text) {
  std::map<std::string, std::string> labels;
  while (!text.empty()) {
    auto [line, rest] = kiln::fuzz::SplitOnce(text, '\n');
    auto [key, value] = kiln::fuzz::SplitOnce(line, '=');
    labels[std::string(key)] = std::string(value);
    text = rest;
  }
  return labels;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kiln::LabelSelector;
  auto [text, labels_text] =
      kiln::fuzz::SplitOnce(kiln::fuzz::AsText(data, size), '\0');
  const kiln::StatusOr<LabelSelector> selector = LabelSelector::Parse(text);
  if (!kiln::fuzz::CheckClientError(selector, "LabelSelector::Parse")) {
    return 0;
  }
  const std::string canonical = selector->ToString();
  const kiln::StatusOr<LabelSelector> again = LabelSelector::Parse(canonical);
  kiln::fuzz::Check(again.ok() && *again == *selector,
                    "ToString does not parse back: " + canonical);
  const std::map<std::string, std::string> labels = Labels(labels_text);
  kiln::fuzz::Check(selector->Matches(labels) == again->Matches(labels),
                    "canonical form matches differently: " + canonical);
  kiln::fuzz::Check(!selector->Empty() || selector->Matches(labels),
                    "the empty selector must match everything");
  return 0;
}
