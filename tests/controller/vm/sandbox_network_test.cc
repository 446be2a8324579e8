#include "controller/vm/sandbox_network.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/status_matchers.h"

namespace kiln {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Ipv4Text(const sockaddr_storage& storage) {
  const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
  return std::string(text) + ":" + std::to_string(ntohs(sin->sin_port));
}

TEST(SandboxNetworkTest, LoopbackRegistryListensOnItsOwnAddress) {
  ASSERT_OK_AND_ASSIGN(SandboxNetwork net,
                       PlanSandboxNetwork("127.0.0.1:5000", RelayLimits{}));
  EXPECT_EQ(net.listen_addr.ss_family, AF_INET);
  EXPECT_EQ(Ipv4Text(net.listen_addr), "127.0.0.1:5000");
  EXPECT_EQ(Ipv4Text(net.target.addr), "127.0.0.1:5000");
  EXPECT_FALSE(net.add_alias);
  EXPECT_FALSE(net.host_is_name);
  EXPECT_STREQ(net.target.description, "127.0.0.1:5000");
}

TEST(SandboxNetworkTest, OtherIpv4IsAddedToLoopback) {
  ASSERT_OK_AND_ASSIGN(SandboxNetwork net,
                       PlanSandboxNetwork("10.1.2.3:5001", RelayLimits{}));
  EXPECT_EQ(Ipv4Text(net.listen_addr), "10.1.2.3:5001");
  EXPECT_EQ(Ipv4Text(net.target.addr), "10.1.2.3:5001");
  EXPECT_TRUE(net.add_alias);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &net.alias, text, sizeof(text));
  EXPECT_STREQ(text, "10.1.2.3");
}

TEST(SandboxNetworkTest, NamedRegistryListensOnLoopbackAndIsInHosts) {
  ASSERT_OK_AND_ASSIGN(SandboxNetwork net,
                       PlanSandboxNetwork("localhost:5000", RelayLimits{}));
  EXPECT_TRUE(net.host_is_name);
  EXPECT_EQ(Ipv4Text(net.listen_addr), "127.0.0.1:5000");
  EXPECT_GT(net.target.addr_len, 0u);  // resolved on the host
  const std::string hosts = HostsFile(net, "kiln-abc");
  EXPECT_THAT(hosts, HasSubstr("127.0.0.1\tlocalhost kiln-abc\n"));
  // localhost must not lead the builder to ::1, where nothing listens.
  EXPECT_THAT(hosts, Not(HasSubstr("::1")));
}

TEST(SandboxNetworkTest, HostsFileMapsARegistryNameToLoopback) {
  SandboxNetwork net;
  net.host_is_name = true;
  net.registry_host = "registry.example";
  EXPECT_THAT(HostsFile(net, "vm"), HasSubstr("127.0.0.1\tregistry.example\n"));
  net.host_is_name = false;
  EXPECT_THAT(HostsFile(net, "vm"), Not(HasSubstr("registry.example")));
}

TEST(SandboxNetworkTest, Ipv6LoopbackOnlyAmongIpv6) {
  ASSERT_OK_AND_ASSIGN(SandboxNetwork net,
                       PlanSandboxNetwork("[::1]:5000", RelayLimits{}));
  EXPECT_EQ(net.listen_addr.ss_family, AF_INET6);
  EXPECT_THAT(PlanSandboxNetwork("[fd00::1]:5000", RelayLimits{}).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("IPv6")));
}

TEST(SandboxNetworkTest, RejectsWhatIsNotHostPort) {
  for (const char* bad : {"", "127.0.0.1", ":5000", "127.0.0.1:", "a:0",
                          "a:65536", "a:12x", "a:123456"}) {
    EXPECT_THAT(PlanSandboxNetwork(bad, RelayLimits{}).status(),
                StatusIs(StatusCode::kInvalidArgument))
        << bad;
  }
}

TEST(SandboxNetworkTest, UnresolvableNameIsUnavailable) {
  EXPECT_THAT(
      PlanSandboxNetwork("no-such-host.invalid:5000", RelayLimits{}).status(),
      StatusIs(StatusCode::kUnavailable, HasSubstr("does not resolve")));
}

}  // namespace
}  // namespace kiln
