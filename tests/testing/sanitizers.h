// Whether this test binary is built with a sanitizer, for tests whose
// measurements mean nothing under one (RSS under ASan's quarantine) or whose
// brute-force loops the libFuzzer targets of the sanitize build already
// cover far better. Test-only.
#pragma once

namespace kiln::testing {

// GCC says __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__; clang (14) only
// answers __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// How many of `n` brute-force cases to run: all of them, or a quarter
// under a sanitizer (at -O0, ~6x slower per case).
inline constexpr int ScaledCases(int n) { return kSanitized ? n / 4 : n; }

}  // namespace kiln::testing
