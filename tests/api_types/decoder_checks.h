// Invariants of the API object decoders, shared by the deterministic
// decoder_fuzz_test.cc (gtest, every compiler) and the libFuzzer targets in
// tests/fuzz/ (clang). Each function feeds its input to the real decoders and
// reports every broken invariant to `fail`:
//   - a decoder returns a value or InvalidArgument with a non-empty, valid
//     UTF-8 message; nothing throws;
//   - a decoded object round-trips through its encoder;
//   - defaulting is idempotent; a Build that validates also validates as an
//     update of itself and as a status update of itself;
//   - JSON written as YAML reads back as the same JSON.
// Thread-compatible.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace kiln::testing_fixtures {

// Receives a description of one broken invariant (the input included).
using FailureSink = std::function<void(const std::string& what)>;

// `value` through every JSON decoder (Build, BuildList, Node, Event, Status),
// then defaulting and validation of a decoded Build or Node.
void CheckJsonValue(const nlohmann::json& value, std::string_view input,
                    const FailureSink& fail);

// ParseJson(text), then CheckJsonValue and the YAML round trip.
void CheckJsonText(std::string_view text, const FailureSink& fail);

// `text` as a YAML stream: ParseYamlDocuments, each document through
// CheckJsonValue and the located Build decoder, BuildsFromYaml and
// BuildFromYaml.
void CheckYamlText(std::string_view text, const FailureSink& fail);

}  // namespace kiln::testing_fixtures
