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
  ASSERT_EQ(net.routes.size(), 1u) << "no token service";
  EXPECT_EQ(net.routes[0].listen_addr.ss_family, AF_INET);
  EXPECT_EQ(Ipv4Text(net.routes[0].listen_addr), "127.0.0.1:5000");
  EXPECT_EQ(Ipv4Text(net.routes[0].target.addr), "127.0.0.1:5000");
  EXPECT_FALSE(net.add_alias);
  EXPECT_FALSE(net.host_is_name);
  EXPECT_STREQ(net.routes[0].target.description, "127.0.0.1:5000");
}

TEST(SandboxNetworkTest, OtherIpv4IsAddedToLoopback) {
  ASSERT_OK_AND_ASSIGN(SandboxNetwork net,
                       PlanSandboxNetwork("10.1.2.3:5001", RelayLimits{}));
  ASSERT_EQ(net.routes.size(), 1u);
  EXPECT_EQ(Ipv4Text(net.routes[0].listen_addr), "10.1.2.3:5001");
  EXPECT_EQ(Ipv4Text(net.routes[0].target.addr), "10.1.2.3:5001");
  EXPECT_TRUE(net.add_alias);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &net.alias, text, sizeof(text));
  EXPECT_STREQ(text, "10.1.2.3");
}

TEST(SandboxNetworkTest, NamedRegistryListensOnLoopbackAndIsInHosts) {
  ASSERT_OK_AND_ASSIGN(SandboxNetwork net,
                       PlanSandboxNetwork("localhost:5000", RelayLimits{}));
  EXPECT_TRUE(net.host_is_name);
  ASSERT_EQ(net.routes.size(), 1u);
  EXPECT_EQ(Ipv4Text(net.routes[0].listen_addr), "127.0.0.1:5000");
  EXPECT_GT(net.routes[0].target.addr_len, 0u);  // resolved on the host
  const std::string hosts = HostsFile(net, "kiln-abc");
  EXPECT_THAT(hosts, HasSubstr("127.0.0.1\tlocalhost kiln-abc\n"));
  // localhost must not lead the builder to ::1, where nothing listens.
  EXPECT_THAT(hosts, Not(HasSubstr("::1")));
}

TEST(SandboxNetworkTest, TokenServiceListensOnTheRegistryAddressAtItsPort) {
  ASSERT_OK_AND_ASSIGN(
      SandboxNetwork net,
      PlanSandboxNetwork("10.1.2.3:5000", RelayLimits{}, /*token_port=*/5001));
  ASSERT_EQ(net.routes.size(), 2u);
  EXPECT_EQ(Ipv4Text(net.routes[0].listen_addr), "10.1.2.3:5000");
  EXPECT_EQ(Ipv4Text(net.routes[0].target.addr), "10.1.2.3:5000");
  EXPECT_STREQ(net.routes[0].target.name, "the registry");
  EXPECT_EQ(Ipv4Text(net.routes[1].listen_addr), "10.1.2.3:5001");
  EXPECT_EQ(Ipv4Text(net.routes[1].target.addr), "10.1.2.3:5001");
  EXPECT_STREQ(net.routes[1].target.description, "10.1.2.3:5001");
  EXPECT_STREQ(net.routes[1].target.name, "the registry's token service");
  EXPECT_TRUE(net.add_alias);  // one alias serves both listeners
}

TEST(SandboxNetworkTest, TokenServiceOfANamedRegistryIsReachedLikeIt) {
  ASSERT_OK_AND_ASSIGN(
      SandboxNetwork net,
      PlanSandboxNetwork("localhost:5000", RelayLimits{}, /*token_port=*/5001));
  ASSERT_EQ(net.routes.size(), 2u);
  EXPECT_EQ(Ipv4Text(net.routes[1].listen_addr), "127.0.0.1:5001");
  EXPECT_STREQ(net.routes[1].target.description, "localhost:5001");
  // The registry's resolved address, with the token service's port.
  ASSERT_EQ(net.routes[1].target.addr_len, net.routes[0].target.addr_len);
  EXPECT_EQ(net.routes[1].target.addr.ss_family,
            net.routes[0].target.addr.ss_family);
  const auto port = [](const sockaddr_storage& a) {
    return a.ss_family == AF_INET6
               ? ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port)
               : ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
  };
  EXPECT_EQ(port(net.routes[0].target.addr), 5000);
  EXPECT_EQ(port(net.routes[1].target.addr), 5001);
}

TEST(SandboxNetworkTest, TokenServiceOfIpv6LoopbackKeepsTheBrackets) {
  ASSERT_OK_AND_ASSIGN(
      SandboxNetwork net,
      PlanSandboxNetwork("[::1]:5000", RelayLimits{}, /*token_port=*/5001));
  ASSERT_EQ(net.routes.size(), 2u);
  EXPECT_EQ(net.routes[1].listen_addr.ss_family, AF_INET6);
  EXPECT_STREQ(net.routes[1].target.description, "[::1]:5001");
}

TEST(SandboxNetworkTest, RejectsABadTokenServicePort) {
  for (int bad : {-1, 65536, 5000}) {
    EXPECT_THAT(
        PlanSandboxNetwork("127.0.0.1:5000", RelayLimits{}, bad).status(),
        StatusIs(StatusCode::kInvalidArgument, HasSubstr("token service")))
        << bad;
  }
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
  ASSERT_EQ(net.routes.size(), 1u);
  EXPECT_EQ(net.routes[0].listen_addr.ss_family, AF_INET6);
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
