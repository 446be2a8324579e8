// A request body or manifest as YAML: ParseYamlDocuments with positions,
// every API object decoder on each document, BuildsFromYaml and
// BuildFromYaml (tests/api_types/decoder_checks.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/api_types/decoder_checks.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::testing_fixtures::CheckYamlText(kiln::fuzz::AsText(data, size),
                                        kiln::fuzz::Fail);
  return 0;
}
