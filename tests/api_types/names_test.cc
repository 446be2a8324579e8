#include "api_types/names.h"

#include <string>

#include "gtest/gtest.h"

namespace kiln {
namespace {

struct Case {
  std::string input;
  std::string error;  // "" = valid; else a substring of the message
};

// Runs `check` over every case; reports each mismatch with its input.
template <size_t N>
void RunCases(Status (*check)(std::string_view), const Case (&cases)[N]) {
  for (const Case* c = cases; c != cases + N; ++c) {
    const Status s = check(c->input);
    if (c->error.empty()) {
      EXPECT_TRUE(s.ok()) << '"' << c->input << "\": " << s.ToString();
    } else {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << '"' << c->input;
      EXPECT_NE(s.message().find(c->error), std::string::npos)
          << '"' << c->input << "\": " << s.message();
    }
  }
}

TEST(NamesTest, Dns1123Label) {
  const Case cases[] = {
      {"a", ""},
      {"hello", ""},
      {"a-b-1", ""},
      {"0abc", ""},
      {std::string(63, 'a'), ""},
      {std::string(64, 'a'), "no more than 63 characters"},
      {"", "must not be empty"},
      {"Hello", "DNS-1123 label"},
      {"-a", "DNS-1123 label"},
      {"a-", "DNS-1123 label"},
      {"a.b", "DNS-1123 label"},
      {"a_b", "DNS-1123 label"},
      {"a b", "DNS-1123 label"},
  };
  RunCases(CheckDns1123Label, cases);
}

TEST(NamesTest, Dns1123Subdomain) {
  const Case cases[] = {
      {"node-a", ""},
      {"node-a.example.com", ""},
      {"1.2.3", ""},
      {std::string(253, 'a'), ""},
      {std::string(254, 'a'), "no more than 253 characters"},
      {"", "must not be empty"},
      {"Node", "DNS-1123 subdomain"},
      {"a..b", "DNS-1123 subdomain"},
      {".a", "DNS-1123 subdomain"},
      {"a.", "DNS-1123 subdomain"},
      {"a.-b", "DNS-1123 subdomain"},
      {"a_b", "DNS-1123 subdomain"},
  };
  RunCases(CheckDns1123Subdomain, cases);
}

TEST(NamesTest, LabelKey) {
  const Case cases[] = {
      {"team", ""},
      {"Team_1.x-y", ""},
      {"kiln.dev/owner", ""},
      {"a/b", ""},
      {std::string(63, 'k'), ""},
      {std::string(253, 'p') + "/" + std::string(63, 'n'), ""},
      {"", "name part must not be empty"},
      {"kiln.dev/", "name part must not be empty"},
      {"/name", "prefix part must not be empty"},
      {std::string(64, 'k'), "name part must be no more than 63 characters"},
      {std::string(254, 'p') + "/n", "prefix part: must be no more than 253"},
      {"Kiln.dev/x", "prefix part: must be a DNS-1123 subdomain"},
      {"a/b/c", "at most one '/'"},
      {"team web", "name part must consist of alphanumeric"},
      {"-team", "name part must consist"},
      {"team.", "name part must consist"},
  };
  RunCases(CheckLabelKey, cases);
}

TEST(NamesTest, LabelValue) {
  const Case cases[] = {
      {"", ""},
      {"web", ""},
      {"v1.2_3-X", ""},
      {std::string(63, 'v'), ""},
      {std::string(64, 'v'), "no more than 63 characters"},
      {"a b", "must consist of alphanumeric"},
      {"-a", "must consist"},
      {"a/b", "must consist"},
      {"a_", "must consist"},
  };
  RunCases(CheckLabelValue, cases);
}

TEST(NamesTest, CIdentifier) {
  const Case cases[] = {
      {"VERSION", ""},
      {"_x", ""},
      {"a1_B", ""},
      {"", "C identifier"},
      {"1X", "C identifier"},
      {"A-B", "C identifier"},
      {"A B", "C identifier"},
      {"ä", "C identifier"},
  };
  RunCases(CheckCIdentifier, cases);
}

TEST(NamesTest, RelativePath) {
  const Case cases[] = {
      {"Dockerfile", ""},
      {"app/main.sh", ""},
      {".hidden/..x/a..b", ""},
      {"dir with space/f", ""},
      {std::string(255, 'f'), ""},
      {std::string(256, 'f'), "no more than 255 bytes"},
      {"", "must not be empty"},
      {"/etc/passwd", "must be relative"},
      {"..", "'..' components"},
      {"../x", "'..' components"},
      {"a/../../x", "'..' components"},
      {".", "'.' components"},
      {"./a", "'.' components"},
      {"a//b", "empty components"},
      {"a/", "empty components"},
      {std::string("a\0b", 3), "control characters"},
      {"a\nb", "control characters"},
      {"a\x7f", "control characters"},
  };
  RunCases(CheckRelativePath, cases);
}

}  // namespace
}  // namespace kiln
