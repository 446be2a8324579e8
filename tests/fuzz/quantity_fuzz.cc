// Memory quantities (--default-memory, kilnctl --memory): ParseMemoryMiB.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api_types/quantity.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = kiln::fuzz::AsText(data, size);
  const kiln::StatusOr<int64_t> mib = kiln::ParseMemoryMiB(text);
  if (!kiln::fuzz::CheckClientError(mib, "ParseMemoryMiB")) return 0;
  kiln::fuzz::Check(*mib >= 1, "a parsed quantity is below 1 MiB");
  // Whole MiB written back in bytes and in Mi read as the same figure.
  const kiln::StatusOr<int64_t> again =
      kiln::ParseMemoryMiB(std::to_string(*mib) + "Mi");
  kiln::fuzz::Check(again.ok() && *again == *mib, "the Mi form differs");
  return 0;
}
