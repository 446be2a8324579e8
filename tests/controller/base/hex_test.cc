#include "controller/base/hex.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace kiln {
namespace {

TEST(HexTest, EncodesLowercaseAndDecodesEitherCase) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(*HexDecode("0001abff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(*HexDecode("ABFF"), std::string("\xab\xff", 2));
  EXPECT_EQ(*HexDecode(""), "");
  for (const char* bad : {"0", "0g", "zz", "0 "}) {
    EXPECT_FALSE(HexDecode(bad).ok()) << bad;
  }
}

TEST(HexTest, RandomHexHasTheLengthAndDiffers) {
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    StatusOr<std::string> r = RandomHex(16);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->size(), 32u);
    EXPECT_TRUE(HexDecode(*r).ok());
    seen.insert(*r);
  }
  EXPECT_EQ(seen.size(), 16u);
}

}  // namespace
}  // namespace kiln
