// Static token file parsing (Kubernetes --token-auth-file format) and the
// hashed token table.
#include "controller/apiserver/auth_tokens.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api_types/status.h"
#include "controller/base/files.h"
#include "tests/controller/apiserver/file_mode.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace kiln {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(TokenFileTest, ParsesRecordWithQuotedGroups) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<TokenRecord> records,
      ParseTokenRecords("s3cret,alice,1001,\"kiln:users,team-web\"\n"));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].token, "s3cret");
  EXPECT_EQ(records[0].user.name, "alice");
  EXPECT_EQ(records[0].user.uid, "1001");
  EXPECT_THAT(records[0].user.groups, ElementsAre("kiln:users", "team-web"));
  EXPECT_EQ(records[0].line, 1);
}

TEST(TokenFileTest, GroupsAreOptional) {
  ASSERT_OK_AND_ASSIGN(std::vector<TokenRecord> records,
                       ParseTokenRecords("t1,bob,42"));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].user.name, "bob");
  EXPECT_THAT(records[0].user.groups, IsEmpty());
}

TEST(TokenFileTest, SingleUnquotedGroup) {
  ASSERT_OK_AND_ASSIGN(std::vector<TokenRecord> records,
                       ParseTokenRecords("t1,ctl,ctl,kiln:controllers\n"));
  EXPECT_THAT(records[0].user.groups, ElementsAre("kiln:controllers"));
}

TEST(TokenFileTest, SkipsBlankLinesAndCommentsAndCountsLines) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<TokenRecord> records,
      ParseTokenRecords("# header\n\n   \n  # indented comment\r\n"
                        "t1,alice,1\r\nt2,bob,2\n"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].line, 5);
  EXPECT_EQ(records[0].user.uid, "1");  // no trailing '\r'
  EXPECT_EQ(records[1].line, 6);
}

TEST(TokenFileTest, QuotedFieldsMayHoldEscapedQuotesAndBlanks) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<TokenRecord> records,
      ParseTokenRecords(
          " t1 , \"Ann \"\"A\"\" Lee\" ,  7 , \" g1 , g2 ,\" \n"));
  EXPECT_EQ(records[0].token, "t1");
  EXPECT_EQ(records[0].user.name, "Ann \"A\" Lee");
  EXPECT_EQ(records[0].user.uid, "7");
  EXPECT_THAT(records[0].user.groups, ElementsAre("g1", "g2"));
}

TEST(TokenFileTest, EmptyUidIsAllowed) {
  ASSERT_OK_AND_ASSIGN(std::vector<TokenRecord> records,
                       ParseTokenRecords("t1,alice,\n"));
  EXPECT_EQ(records[0].user.uid, "");
}

TEST(TokenFileTest, TooFewFieldsNamesLine) {
  EXPECT_THAT(ParseTokenRecords("t1,alice,1\n\nsecret-token,bob\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 3"), HasSubstr("got 2"),
                             Not(HasSubstr("secret-token")))));
}

TEST(TokenFileTest, UnquotedGroupListIsRejectedWithHint) {
  EXPECT_THAT(ParseTokenRecords("tok,alice,1,g1,g2\n"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("line 1"), HasSubstr("quote"))));
}

TEST(TokenFileTest, BadQuotingIsRejectedWithoutEchoingTheLine) {
  for (const char* text :
       {"\"secret-token,alice,1\n", "secret\"token,alice,1\n",
        "\"secret-token\"x,alice,1\n"}) {
    EXPECT_THAT(ParseTokenRecords(text),
                StatusIs(StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("line 1"), Not(HasSubstr("secret")))))
        << "input #" << text[0];
  }
}

TEST(TokenFileTest, EmptyTokenOrUserIsRejected) {
  EXPECT_THAT(ParseTokenRecords(",alice,1\n"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty token")));
  EXPECT_THAT(
      ParseTokenRecords("t,,1\n"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty user name")));
}

TEST(TokenFileTest, DuplicateTokenNamesBothLinesButNotTheToken) {
  EXPECT_THAT(
      ParseTokenFile("dup-token,alice,1\nother,bob,2\ndup-token,carol,3\n"),
      StatusIs(StatusCode::kInvalidArgument,
               AllOf(HasSubstr("line 3"), HasSubstr("line 1"),
                     HasSubstr("duplicate"), Not(HasSubstr("dup-token")))));
}

TEST(TokenFileTest, FormatRoundTrips) {
  const TokenRecord record{
      "#tok\"en", {"Ann, Lee", "", {"kiln:users", "system:masters"}}, 0};
  const std::string line = FormatTokenRecord(record);
  EXPECT_EQ(line.back(), '\n');
  ASSERT_OK_AND_ASSIGN(std::vector<TokenRecord> parsed,
                       ParseTokenRecords(line));
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0].token, record.token);
  EXPECT_EQ(parsed[0].user.name, record.user.name);
  EXPECT_EQ(parsed[0].user.uid, "");
  EXPECT_EQ(parsed[0].user.groups, record.user.groups);
}

TEST(TokenTableTest, FindsUserByToken) {
  ASSERT_OK_AND_ASSIGN(
      TokenTable table,
      ParseTokenFile("tok-a,alice,1,kiln:users\ntok-b,bob,2\n"));
  EXPECT_EQ(table.size(), 2u);
  const UserInfo* alice = table.Find("tok-a");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->name, "alice");
  EXPECT_THAT(alice->groups, ElementsAre("kiln:users"));
  const UserInfo* bob = table.Find("tok-b");
  ASSERT_NE(bob, nullptr);
  EXPECT_EQ(bob->name, "bob");
}

TEST(TokenTableTest, UnknownPrefixAndEmptyTokensAreNotFound) {
  ASSERT_OK_AND_ASSIGN(TokenTable table, ParseTokenFile("tok-a,alice,1\n"));
  EXPECT_EQ(table.Find("tok-b"), nullptr);
  EXPECT_EQ(table.Find("tok-"), nullptr);
  EXPECT_EQ(table.Find("tok-aa"), nullptr);
  EXPECT_EQ(table.Find(""), nullptr);
  EXPECT_EQ(TokenTable().Find("tok-a"), nullptr);
}

TEST(TokenTableTest, LoadTokenFileReadsFileAndPrefixesErrors) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.Sub("tokens.csv");
  ASSERT_OK(WriteFileAtomically(path, "tok,alice,1\n", kPrivateFileMode));
  ASSERT_OK_AND_ASSIGN(TokenTable table, LoadTokenFile(path));
  EXPECT_NE(table.Find("tok"), nullptr);

  ASSERT_OK(WriteFileAtomically(path, "tok,alice\n", kPrivateFileMode));
  EXPECT_THAT(LoadTokenFile(path),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(path), HasSubstr("line 1"))));
  EXPECT_THAT(LoadTokenFile(dir.Sub("missing.csv")),
              StatusIs(StatusCode::kNotFound));
}

}  // namespace
}  // namespace kiln
