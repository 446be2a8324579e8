#include "api_types/image_reference.h"

#include <string>

#include "gtest/gtest.h"

namespace kiln {
namespace {

const std::string kHex(64, 'a');
const std::string kDigest = "sha256:" + kHex;

TEST(ImageReferenceTest, ParsesValidReferences) {
  struct Case {
    std::string text;
    ImageReference want;
  };
  const Case cases[] = {
      {"busybox", {"", "busybox", "", ""}},
      {"busybox:1.36", {"", "busybox", "1.36", ""}},
      {"library/busybox", {"", "library/busybox", "", ""}},
      {"localhost/hello", {"localhost", "hello", "", ""}},
      {"localhost:5000/web/hello:1", {"localhost:5000", "web/hello", "1", ""}},
      {"registry.example.com/a/b/c", {"registry.example.com", "a/b/c", "", ""}},
      {"Registry.Example.com:443/x", {"Registry.Example.com:443", "x", "", ""}},
      {"10.0.0.1:5000/x:latest", {"10.0.0.1:5000", "x", "latest", ""}},
      {"[::1]:5000/x", {"[::1]:5000", "x", "", ""}},
      {"x/a.b-c__d---e/f_g", {"", "x/a.b-c__d---e/f_g", "", ""}},
      // A first component with a dot is a domain, even without a port.
      {"a.b/c", {"a.b", "c", "", ""}},
      {"hello@" + kDigest, {"", "hello", "", kDigest}},
      {"localhost:5000/hello:v1@" + kDigest,
       {"localhost:5000", "hello", "v1", kDigest}},
      {"hello:_Tag.1-x", {"", "hello", "_Tag.1-x", ""}},
      {"hello:" + std::string(128, 't'),
       {"", "hello", std::string(128, 't'), ""}},
      // No '/': the first component is the path, and ":5000" is a tag.
      {"localhost:5000", {"", "localhost", "5000", ""}},
  };
  for (const Case& c : cases) {
    StatusOr<ImageReference> ref = ParseImageReference(c.text);
    ASSERT_TRUE(ref.ok()) << c.text << ": " << ref.status().ToString();
    EXPECT_EQ(*ref, c.want) << c.text;
    EXPECT_EQ(ref->ToString(), c.text);
  }
}

TEST(ImageReferenceTest, RejectsInvalidReferencesWithReason) {
  struct Case {
    std::string text;
    std::string error;  // the message after `invalid image reference "T": `
  };
  const Case cases[] = {
      {"", "must not be empty"},
      {"Hello", "path component \"Hello\" must be lowercase"},
      {"localhost:5000/Web/hello", "path component \"Web\" must be lowercase"},
      {"a..b",
       "path component \"a..b\" must match "
       "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*"},
      {"a___b", "path component \"a___b\" must match"},
      {"-a", "path component \"-a\" must match"},
      {"a-", "path component \"a-\" must match"},
      {"a b", "path component \"a b\" must match"},
      {"a//b", "empty path component"},
      {"localhost/", "empty path component"},
      {"hello:", "tag \"\" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"},
      {"hello:.x", "tag \".x\" must match"},
      {"hello:a+b", "tag \"a+b\" must match"},
      {"hello:" + std::string(129, 't'),
       "tag \"" + std::string(129, 't') + "\" must match"},
      {":tag", "repository name must not be empty"},
      {"hello@sha256:abc",
       "digest \"sha256:abc\" must be \"sha256:\" followed by 64 lowercase "
       "hex digits"},
      {"hello@sha256:" + std::string(64, 'A'), "digest"},
      {"hello@md5:" + kHex, "digest"},
      {"localhost:port/x",
       "domain \"localhost:port\" must be a host name or [IPv6] address, with "
       "an optional numeric :port"},
      {"a_b.com/x", "domain \"a_b.com\" must be"},
      {"-a.com/x", "domain \"-a.com\" must be"},
      {std::string(200, 'a') + "/" + std::string(60, 'b'),
       "repository name must be no more than 255 characters"},
  };
  for (const Case& c : cases) {
    StatusOr<ImageReference> ref = ParseImageReference(c.text);
    ASSERT_FALSE(ref.ok()) << c.text;
    EXPECT_EQ(ref.status().code(), StatusCode::kInvalidArgument);
    const std::string prefix = "invalid image reference \"" + c.text + "\": ";
    EXPECT_EQ(ref.status().message().substr(0, prefix.size() + c.error.size()),
              prefix + c.error);
  }
}

TEST(ImageReferenceTest, Sha256Digest) {
  EXPECT_TRUE(IsSha256Digest(kDigest));
  EXPECT_TRUE(IsSha256Digest("sha256:0123456789abcdef" + std::string(48, '0')));
  EXPECT_FALSE(IsSha256Digest(""));
  EXPECT_FALSE(IsSha256Digest(kHex));
  EXPECT_FALSE(IsSha256Digest("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Digest("sha256:" + std::string(65, 'a')));
  EXPECT_FALSE(IsSha256Digest("sha256:" + std::string(64, 'g')));
  EXPECT_FALSE(IsSha256Digest("SHA256:" + kHex));
}

}  // namespace
}  // namespace kiln
