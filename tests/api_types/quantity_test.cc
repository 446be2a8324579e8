#include "api_types/quantity.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

TEST(QuantityTest, ParsesBinaryAndDecimalSuffixes) {
  struct Case {
    const char* text;
    int64_t mib;
  } cases[] = {{"16Gi", 16384}, {"2048Mi", 2048}, {"1Ti", 1 << 20}, {"1G", 953},
               {"512M", 488},   {"1048576", 1},   {"1024Ki", 1}};
  for (const Case& c : cases) {
    auto got = ParseMemoryMiB(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status().ToString();
    EXPECT_EQ(*got, c.mib) << c.text;
  }
}

TEST(QuantityTest, RejectsBadInputWithTheText) {
  for (const char* text : {"", "-1Gi", "1Xi", "Gi", "1.5Gi", "10",
                           "99999999999999999999Gi", "9223372036854775807Ti"}) {
    auto got = ParseMemoryMiB(text);
    EXPECT_THAT(got, StatusIs(StatusCode::kInvalidArgument)) << text;
    EXPECT_NE(got.status().message().find(std::string("\"") + text + "\""),
              std::string::npos)
        << got.status().message();
  }
}

}  // namespace
}  // namespace kiln
