// The outbound address policy (http/egress_policy.hpp): classification of
// every special range, the IPv6 forms that embed IPv4, numeric host
// spellings judged by the address they resolve to, the allow list, and the
// HTTP client refusing at connect time what the policy refuses (a name that
// resolves to a blocked address, as after DNS rebinding).

#include "http/egress_policy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "http/client.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace orderflow::http {
namespace {

AddressClass ClassOf(const std::string& text) {
  auto a = IpAddress::Parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a ? Classify(*a).kind : AddressClass::kPublic;
}

TEST(EgressPolicy, ClassifiesIpv4SpecialRanges) {
  const std::map<std::string, AddressClass> cases = {
      {"0.0.0.0", AddressClass::kUnspecified},
      {"0.1.2.3", AddressClass::kUnspecified},
      {"10.0.0.1", AddressClass::kPrivate},
      {"10.255.255.255", AddressClass::kPrivate},
      {"100.64.0.1", AddressClass::kSharedCgnat},
      {"100.127.255.255", AddressClass::kSharedCgnat},
      {"100.100.100.200", AddressClass::kMetadata},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.0.9", AddressClass::kLoopback},
      {"169.254.169.254", AddressClass::kMetadata},
      {"169.254.170.2", AddressClass::kMetadata},
      {"168.63.129.16", AddressClass::kMetadata},
      {"169.254.1.1", AddressClass::kLinkLocal},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.254", AddressClass::kPrivate},
      {"192.168.1.1", AddressClass::kPrivate},
      {"192.0.0.8", AddressClass::kReserved},
      {"192.0.2.1", AddressClass::kReserved},
      {"198.18.0.1", AddressClass::kReserved},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.250", AddressClass::kMulticast},
      {"240.0.0.1", AddressClass::kReserved},
      {"255.255.255.255", AddressClass::kBroadcast},
  };
  for (const auto& [text, kind] : cases) EXPECT_EQ(ClassOf(text), kind) << text;
}

TEST(EgressPolicy, PublicIpv4NeighboursOfSpecialRangesArePublic) {
  for (const char* text :
       {"8.8.8.8", "1.1.1.1", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
        "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255",
        "172.32.0.0", "192.167.255.255", "192.169.0.0", "223.255.255.255", "93.184.215.14"}) {
    EXPECT_EQ(ClassOf(text), AddressClass::kPublic) << text;
  }
}

TEST(EgressPolicy, ClassifiesIpv6SpecialRanges) {
  const std::map<std::string, AddressClass> cases = {
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf::1", AddressClass::kLinkLocal},
      {"fc00::1", AddressClass::kPrivate},
      {"fd12:3456::1", AddressClass::kPrivate},
      {"fd00:ec2::254", AddressClass::kMetadata},
      {"fec0::1", AddressClass::kPrivate},
      {"ff02::1", AddressClass::kMulticast},
      {"ff0e::1", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kReserved},
      {"2001:0:4136:e378::1", AddressClass::kReserved},  // Teredo
      {"100::1", AddressClass::kReserved},
      {"64:ff9b:1::1", AddressClass::kPrivate},
      {"4000::1", AddressClass::kReserved},  // not global unicast
  };
  for (const auto& [text, kind] : cases) EXPECT_EQ(ClassOf(text), kind) << text;
  for (const char* text : {"2606:4700:4700::1111", "2a00:1450:4001::200e", "2002:808:808::1",
                           "64:ff9b::808:808", "::ffff:8.8.8.8"}) {
    EXPECT_EQ(ClassOf(text), AddressClass::kPublic) << text;
  }
}

TEST(EgressPolicy, Ipv6FormsThatEmbedABlockedIpv4AreBlocked) {
  const std::map<std::string, AddressClass> cases = {
      {"::ffff:127.0.0.1", AddressClass::kLoopback},  // IPv4-mapped
      {"::ffff:7f00:1", AddressClass::kLoopback},     // the same, in hex
      {"::ffff:169.254.169.254", AddressClass::kMetadata},
      {"::ffff:10.0.0.1", AddressClass::kPrivate},
      {"::127.0.0.1", AddressClass::kLoopback},          // IPv4-compatible
      {"::ffff:0:192.168.0.1", AddressClass::kPrivate},  // IPv4-translated
      {"64:ff9b::127.0.0.1", AddressClass::kLoopback},   // NAT64
      {"64:ff9b::a9fe:a9fe", AddressClass::kMetadata},
      {"2002:7f00:1::", AddressClass::kLoopback},  // 6to4
      {"2002:c0a8:101::1", AddressClass::kPrivate},
      {"::8.8.8.8", AddressClass::kReserved},  // compatible forms are not routed
  };
  for (const auto& [text, kind] : cases) EXPECT_EQ(ClassOf(text), kind) << text;
  auto mapped = IpAddress::Parse("::ffff:127.0.0.1");
  ASSERT_TRUE(mapped);
  ASSERT_TRUE(Classify(*mapped).embedded.has_value());
  EXPECT_EQ(Classify(*mapped).embedded->ToString(), "127.0.0.1");
}

TEST(EgressPolicy, CidrsParseStrictlyAndMatchByPrefix) {
  auto c = Cidr::Parse("10.1.0.0/16");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Contains(*IpAddress::Parse("10.1.200.3")));
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("10.2.0.1")));
  EXPECT_FALSE(c->Contains(*IpAddress::Parse("fd00::1")));
  auto v6 = Cidr::Parse("fd00::/8");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains(*IpAddress::Parse("fd12::1")));
  EXPECT_FALSE(v6->Contains(*IpAddress::Parse("fc00::1")));
  auto host = Cidr::Parse("::1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->prefix, 128);
  EXPECT_EQ(Cidr::Parse("127.0.0.1")->ToString(), "127.0.0.1/32");
  EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains(*IpAddress::Parse("8.8.8.8")));
  for (const char* bad : {"", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x", "127.1",
                          "0x7f000001", "example.com", "10.0.0.0/8/8", "[::1]"}) {
    auto parsed = Cidr::Parse(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.code(), ErrorCode::kValidation);
    }
  }
}

TEST(EgressPolicy, TheAllowListOverridesTheClassOnly) {
  auto policy = EgressPolicy::Parse("127.0.0.0/8, ::1/128");
  ASSERT_TRUE(policy.ok());
  EXPECT_TRUE(policy->Check(*IpAddress::Parse("127.0.0.1")).ok());
  EXPECT_TRUE(policy->Check(*IpAddress::Parse("::1")).ok());
  // The mapped form of an allowed IPv4 address is the same destination.
  EXPECT_TRUE(policy->Check(*IpAddress::Parse("::ffff:127.0.0.1")).ok());
  EXPECT_FALSE(policy->Check(*IpAddress::Parse("10.0.0.1")).ok());
  EXPECT_FALSE(policy->Check(*IpAddress::Parse("169.254.169.254")).ok());
  EXPECT_TRUE(policy->Check(*IpAddress::Parse("8.8.8.8")).ok());

  const EgressPolicy strict;
  Status refused = strict.Check(*IpAddress::Parse("127.0.0.1"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), ErrorCode::kForbidden);
  EXPECT_EQ(refused.error().message,
            "127.0.0.1, a loopback address; outbound calls to private networks are not allowed");

  EXPECT_TRUE(EgressPolicy::Parse("").ok());
  EXPECT_TRUE(EgressPolicy::Parse("")->allowed().empty());
  auto bad = EgressPolicy::Parse("10.0.0.0/8,nonsense");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("nonsense"), std::string::npos) << bad.error().message;
}

// getaddrinfo accepts these spellings of 127.0.0.1 (and 0.0.0.0): the
// policy judges what they resolve to.
TEST(EgressPolicy, NumericHostSpellingsAreJudgedByTheirAddress) {
  const EgressPolicy strict;
  for (const char* host :
       {"127.0.0.1", "2130706433", "0x7f000001", "127.1", "0177.0.0.1", "017700000001", "localhost",
        "0", "0.0.0.0", "::1", "::ffff:127.0.0.1", "169.254.169.254", "0xa9fea9fe"}) {
    auto resolved = strict.Resolve(host);
    ASSERT_FALSE(resolved.ok()) << host;
    EXPECT_EQ(resolved.code(), ErrorCode::kForbidden) << host;
    EXPECT_NE(resolved.error().message.find(std::string(host) + " resolves to "), std::string::npos)
        << resolved.error().message;
  }
  auto loopback = strict.Resolve("2130706433");
  EXPECT_EQ(loopback.error().message,
            "2130706433 resolves to 127.0.0.1, a loopback address; outbound calls to private "
            "networks are not allowed");
  auto unresolvable = strict.Resolve("metadata.google.internal");
  ASSERT_FALSE(unresolvable.ok());
  EXPECT_EQ(unresolvable.code(), ErrorCode::kValidation);
  EXPECT_EQ(unresolvable.error().message.rfind("cannot resolve host metadata.google.internal", 0),
            0u)
      << unresolvable.error().message;
  // A public literal needs no network to resolve.
  auto public_address = strict.Resolve("93.184.215.14");
  ASSERT_TRUE(public_address.ok()) << public_address.error().message;
  EXPECT_EQ((*public_address)[0].ToString(), "93.184.215.14");

  auto allowed = EgressPolicy::Parse("127.0.0.0/8")->Resolve("localhost");
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
}

// A loopback receiver that records the Host header of every request.
class HostRecorder {
 public:
  explicit HostRecorder(const std::string& host) {
    router_.Add("POST", "/api/hook", [this](Request& request, Respond respond) {
      {
        std::lock_guard lock(mu_);
        hosts_.push_back(std::string(request.Header("host")));
      }
      Response res;
      res.body = "{}";
      respond(std::move(res));
    });
    ServerConfig config;
    config.host = host;
    config.port = 0;
    config.threads = 1;
    server_ = std::make_unique<Server>(config, router_);
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~HostRecorder() {
    server_->Stop();
    thread_.join();
  }
  unsigned short port() const { return server_->port(); }
  std::vector<std::string> hosts() {
    std::lock_guard lock(mu_);
    return hosts_;
  }

 private:
  Router router_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> hosts_;  // GUARDED_BY(mu_)
};

Result<ClientResponse> Post(const std::string& url, const EgressPolicy* policy) {
  ClientRequest req;
  req.url = url;
  req.body = "{}";
  req.timeout_ms = 10'000;
  req.policy = policy;
  return Send(req);
}

// A name accepted earlier that now resolves to a blocked address (DNS
// rebinding) is refused when connecting, before any byte is sent.
TEST(OutboundClient, RefusesAtConnectTimeWhatThePolicyRefuses) {
  HostRecorder receiver("127.0.0.1");
  const std::string port = std::to_string(receiver.port());
  const EgressPolicy strict;
  for (const std::string host : {"localhost", "127.0.0.1", "2130706433", "127.1"}) {
    auto refused = Post("http://" + host + ":" + port + "/api/hook", &strict);
    ASSERT_FALSE(refused.ok()) << host;
    EXPECT_EQ(refused.code(), ErrorCode::kForbidden) << refused.error().message;
    EXPECT_NE(refused.error().message.find("a loopback address"), std::string::npos)
        << refused.error().message;
  }
  EXPECT_TRUE(receiver.hosts().empty()) << "a refused request reached the receiver";

  const EgressPolicy loopback = EgressPolicy::Parse("127.0.0.0/8").value();
  auto sent = Post("http://localhost:" + port + "/api/hook", &loopback);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sent->status, 200);
  // Without a policy (the operator's own payment gateway) nothing is refused.
  auto unrestricted = Post("http://127.0.0.1:" + port + "/api/hook", nullptr);
  ASSERT_TRUE(unrestricted.ok()) << unrestricted.error().message;
  EXPECT_EQ(receiver.hosts(), (std::vector<std::string>{"localhost:" + port, "127.0.0.1:" + port}));
}

TEST(OutboundClient, ReachesIpv6LiteralsAndSendsTheirHostWithBrackets) {
  std::unique_ptr<HostRecorder> receiver;
  try {
    receiver = std::make_unique<HostRecorder>("::1");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  const std::string port = std::to_string(receiver->port());
  const EgressPolicy loopback = EgressPolicy::Parse("::1/128").value();
  auto sent = Post("http://[::1]:" + port + "/api/hook", &loopback);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sent->status, 200);
  auto unrestricted = Post("http://[::1]:" + port + "/api/hook", nullptr);
  ASSERT_TRUE(unrestricted.ok()) << unrestricted.error().message;
  const EgressPolicy strict;
  auto blocked = Post("http://[::1]:" + port + "/api/hook", &strict);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.code(), ErrorCode::kForbidden);
  EXPECT_EQ(receiver->hosts(), (std::vector<std::string>{"[::1]:" + port, "[::1]:" + port}));
}

}  // namespace
}  // namespace orderflow::http
