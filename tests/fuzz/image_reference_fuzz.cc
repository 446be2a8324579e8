// Image references (spec.output.image, base images): ParseImageReference,
// ToString parsing back to an equal value, the length limits, and
// IsSha256Digest agreeing with the parsed digest.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api_types/image_reference.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using kiln::ImageReference;
  const std::string_view text = kiln::fuzz::AsText(data, size);
  (void)kiln::IsSha256Digest(text);
  const kiln::StatusOr<ImageReference> ref = kiln::ParseImageReference(text);
  if (!kiln::fuzz::CheckClientError(ref, "ParseImageReference")) return 0;
  const std::string canonical = ref->ToString();
  kiln::fuzz::Check(canonical == text, "ToString differs from the text");
  const kiln::StatusOr<ImageReference> again =
      kiln::ParseImageReference(canonical);
  kiln::fuzz::Check(again.ok() && *again == *ref, "does not round-trip");
  kiln::fuzz::Check(!ref->path.empty(), "empty path");
  const size_t name =
      ref->domain.size() + (ref->domain.empty() ? 0 : 1) + ref->path.size();
  kiln::fuzz::Check(name <= kiln::kImageNameMaxLength, "name too long");
  kiln::fuzz::Check(ref->tag.size() <= kiln::kImageTagMaxLength,
                    "tag too long");
  kiln::fuzz::Check(ref->digest.empty() || kiln::IsSha256Digest(ref->digest),
                    "digest is not sha256");
  return 0;
}
