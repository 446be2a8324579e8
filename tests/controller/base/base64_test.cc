#include "controller/base/base64.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace kiln {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, DecodesWhatItEncodesWithLineBreaks) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n = 0; n < bytes.size(); n += 37) {
    const std::string part = bytes.substr(0, n);
    std::string text = Base64Encode(part);
    if (text.size() > 8) text.insert(8, "\n ");
    StatusOr<std::string> back = Base64Decode(text);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, part);
  }
}

TEST(Base64Test, RefusesMalformedText) {
  for (const char* bad : {"Zg=", "Zm9v!", "Zg==Zg==", "Z===", "=Zg=", "Zm9"}) {
    StatusOr<std::string> out = Base64Decode(bad);
    EXPECT_FALSE(out.ok()) << bad;
  }
}

TEST(Base64Test, UrlAlphabetHasNoPaddingAndRoundTrips) {
  const std::string bytes("\xfb\xff\xbf\x00\x01", 5);
  EXPECT_EQ(Base64Encode(bytes), "+/+/AAE=");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_AAE");
  StatusOr<std::string> back = Base64UrlDecode("-_-_AAE");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, bytes);
  EXPECT_FALSE(Base64UrlDecode("+/+/AAE").ok());
  EXPECT_FALSE(Base64UrlDecode("-_-_AAE=").ok());
  EXPECT_FALSE(Base64UrlDecode("A").ok());
}

}  // namespace
}  // namespace kiln
