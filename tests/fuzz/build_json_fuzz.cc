// A request body as JSON: ParseJson, every API object decoder, defaulting
// and validation, and the YAML round trip (tests/api_types/decoder_checks.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/api_types/decoder_checks.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::testing_fixtures::CheckJsonText(kiln::fuzz::AsText(data, size),
                                        kiln::fuzz::Fail);
  return 0;
}
