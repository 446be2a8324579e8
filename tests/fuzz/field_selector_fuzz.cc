// ?fieldSelector=: ParseFieldSelector for lists and watches, and FieldsMatch
// on a stored object. Input: the selector, then after a NUL byte a JSON
// object to match (a Build when it is absent or does not parse).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_types/json_parse.h"
#include "controller/apiserver/field_selector.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kiln::FieldRequirement;
  auto [text, object_text] =
      kiln::fuzz::SplitOnce(kiln::fuzz::AsText(data, size), '\0');
  const std::string selector(text);
  const auto for_list = kiln::ParseFieldSelector(selector, false);
  const auto for_watch = kiln::ParseFieldSelector(selector, true);
  kiln::fuzz::CheckClientError(for_list, "ParseFieldSelector (list)");
  kiln::fuzz::CheckClientError(for_watch, "ParseFieldSelector (watch)");
  // Watches support a subset of the fields lists support.
  kiln::fuzz::Check(!for_watch.ok() || for_list.ok(),
                    "a watch selector is refused for lists");
  if (!for_list.ok()) return 0;
  kiln::StatusOr<nlohmann::json> object = kiln::ParseJson(object_text);
  if (!object.ok()) {
    object = nlohmann::json{
        {"metadata", {{"name", "web"}, {"namespace", "default"}}},
        {"status", {{"phase", "Pending"}}}};
  }
  const bool all = kiln::FieldsMatch(*for_list, *object);
  // Every requirement on its own must match when all of them do.
  for (const FieldRequirement& requirement : *for_list) {
    kiln::fuzz::Check(!all || kiln::FieldsMatch({requirement}, *object),
                      "FieldsMatch of all but not of " + requirement.field);
  }
  return 0;
}
