#include "http/egress_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace orderflow::http {
namespace {

struct Range {
  const char* cidr;
  AddressClass kind;
};

// First match wins, so the narrower ranges come first. Besides the classes
// the policy is about, the IANA special-purpose ranges that are not
// globally reachable (documentation, benchmarking, protocol assignments)
// count as reserved: nothing a tenant should reach lives there.
constexpr Range kV4Ranges[] = {
    {"0.0.0.0/8", AddressClass::kUnspecified},        {"10.0.0.0/8", AddressClass::kPrivate},
    {"100.100.100.200/32", AddressClass::kMetadata},  // Alibaba Cloud
    {"100.64.0.0/10", AddressClass::kSharedCgnat},    {"127.0.0.0/8", AddressClass::kLoopback},
    {"168.63.129.16/32", AddressClass::kMetadata},    // Azure host endpoint
    {"169.254.169.254/32", AddressClass::kMetadata},  // AWS, GCP, Azure, OpenStack …
    {"169.254.170.2/32", AddressClass::kMetadata},    // AWS ECS task metadata
    {"169.254.0.0/16", AddressClass::kLinkLocal},     {"172.16.0.0/12", AddressClass::kPrivate},
    {"192.0.0.0/24", AddressClass::kReserved},        {"192.0.2.0/24", AddressClass::kReserved},
    {"192.88.99.0/24", AddressClass::kReserved},      {"192.168.0.0/16", AddressClass::kPrivate},
    {"198.18.0.0/15", AddressClass::kReserved},       {"198.51.100.0/24", AddressClass::kReserved},
    {"203.0.113.0/24", AddressClass::kReserved},      {"224.0.0.0/4", AddressClass::kMulticast},
    {"255.255.255.255/32", AddressClass::kBroadcast}, {"240.0.0.0/4", AddressClass::kReserved},
};

// IPv6 after the forms that embed IPv4 (handled in Classify).
constexpr Range kV6Ranges[] = {
    {"::/128", AddressClass::kUnspecified},
    {"::1/128", AddressClass::kLoopback},
    {"64:ff9b:1::/48", AddressClass::kPrivate},      // local-use NAT64
    {"100::/64", AddressClass::kReserved},           // discard-only
    {"2001:db8::/32", AddressClass::kReserved},      // documentation
    {"2001::/23", AddressClass::kReserved},          // protocol assignments, Teredo
    {"3fff::/20", AddressClass::kReserved},          // documentation
    {"5f00::/16", AddressClass::kReserved},          // SRv6 SIDs
    {"fd00:ec2::254/128", AddressClass::kMetadata},  // AWS IMDS over IPv6
    {"fc00::/7", AddressClass::kPrivate},            // unique local
    {"fe80::/10", AddressClass::kLinkLocal},
    {"fec0::/10", AddressClass::kPrivate},  // site-local (deprecated)
    {"ff00::/8", AddressClass::kMulticast},
};

Cidr Must(const char* text) {
  auto c = Cidr::Parse(text);
  if (!c.ok()) std::abort();  // a typo in the tables above
  return *c;
}

// The tables are parsed per call: a few dozen inet_pton calls, next to a
// DNS lookup and a connection.
template <std::size_t N>
std::optional<AddressClass> Lookup(const Range (&table)[N], const IpAddress& a) {
  for (const auto& r : table) {
    if (Must(r.cidr).Contains(a)) return r.kind;
  }
  return std::nullopt;
}

AddressClass ClassifyV4(const IpAddress& a) {
  return Lookup(kV4Ranges, a).value_or(AddressClass::kPublic);
}

IpAddress V4At(const IpAddress& a, int offset) {
  std::uint32_t v = (std::uint32_t{a.bytes[offset]} << 24) |
                    (std::uint32_t{a.bytes[offset + 1]} << 16) |
                    (std::uint32_t{a.bytes[offset + 2]} << 8) | std::uint32_t{a.bytes[offset + 3]};
  return IpAddress::FromV4(v);
}

bool ZeroBytes(const IpAddress& a, int from, int to) {
  for (int i = from; i < to; ++i) {
    if (a.bytes[i] != 0) return false;
  }
  return true;
}

// The IPv4 address an IPv6 form carries in a well-known place, if any.
std::optional<IpAddress> EmbeddedV4(const IpAddress& a) {
  const auto& b = a.bytes;
  // ::ffff:a.b.c.d (mapped) is stored that way for v4 already; ::a.b.c.d
  // (compatible, deprecated) and ::ffff:0:a.b.c.d (translated, RFC 2765).
  if (ZeroBytes(a, 0, 10) && b[10] == 0xff && b[11] == 0xff) return V4At(a, 12);
  if (ZeroBytes(a, 0, 12)) return V4At(a, 12);
  if (ZeroBytes(a, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) {
    return V4At(a, 12);
  }
  // 64:ff9b::/96 (NAT64 well-known prefix).
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && ZeroBytes(a, 4, 12)) {
    return V4At(a, 12);
  }
  // 2002::/16 (6to4): the relay's IPv4 address follows the prefix.
  if (b[0] == 0x20 && b[1] == 0x02) return V4At(a, 2);
  return std::nullopt;
}

}  // namespace

IpAddress IpAddress::FromV4(std::uint32_t host_order) {
  IpAddress a;
  a.v4 = true;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  a.bytes[12] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::FromV6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress a;
  a.bytes = bytes;
  return a;
}

std::uint32_t IpAddress::V4() const {
  return (std::uint32_t{bytes[12]} << 24) | (std::uint32_t{bytes[13]} << 16) |
         (std::uint32_t{bytes[14]} << 8) | std::uint32_t{bytes[15]};
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string s(text);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return FromV4(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &v6, 16);
    return FromV6(b);
  }
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v4) {
    in_addr v{};
    v.s_addr = htonl(V4());
    inet_ntop(AF_INET, &v, buf, sizeof buf);
  } else {
    in6_addr v{};
    std::memcpy(&v, bytes.data(), 16);
    inet_ntop(AF_INET6, &v, buf, sizeof buf);
  }
  return buf;
}

Result<Cidr> Cidr::Parse(std::string_view text) {
  auto bad = [&] {
    return MakeError(
        ErrorCode::kValidation,
        "'" + std::string(text) + "' is not an address range like 10.0.0.0/8 or fd00::/8");
  };
  auto slash = text.find('/');
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return bad();
  Cidr c;
  c.base = *address;
  const int max = address->v4 ? 32 : 128;
  c.prefix = max;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad();
    }
    c.prefix = std::stoi(std::string(digits));
    if (c.prefix > max) return bad();
  }
  return c;
}

bool Cidr::Contains(const IpAddress& address) const {
  // IPv4 ranges and addresses are both in their mapped form.
  const int bits = base.v4 ? prefix + 96 : prefix;
  for (int i = 0; i < bits; ++i) {
    const int mask = 0x80 >> (i % 8);
    if ((base.bytes[i / 8] & mask) != (address.bytes[i / 8] & mask)) return false;
  }
  return true;
}

std::string Cidr::ToString() const { return base.ToString() + "/" + std::to_string(prefix); }

Classification Classify(const IpAddress& address) {
  if (address.v4) return {ClassifyV4(address), std::nullopt};
  if (ZeroBytes(address, 0, 15) && address.bytes[15] <= 1) {
    return {address.bytes[15] == 0 ? AddressClass::kUnspecified : AddressClass::kLoopback,
            std::nullopt};
  }
  if (auto v4 = EmbeddedV4(address)) {
    AddressClass inner = ClassifyV4(*v4);
    if (inner != AddressClass::kPublic) return {inner, v4};
    // ::ffff:x (mapped) reaches x itself; 6to4 and NAT64 reach it through
    // a relay: public when x is. The deprecated compatible forms (::x) are
    // not routed and stay reserved.
    if (!ZeroBytes(address, 0, 12)) return {AddressClass::kPublic, std::nullopt};
  }
  if (auto kind = Lookup(kV6Ranges, address)) return {*kind, std::nullopt};
  // Only 2000::/3 is allocated for global unicast.
  if ((address.bytes[0] & 0xe0) != 0x20) return {AddressClass::kReserved, std::nullopt};
  return {AddressClass::kPublic, std::nullopt};
}

const char* Describe(AddressClass kind) {
  switch (kind) {
    case AddressClass::kPublic:
      return "a public address";
    case AddressClass::kUnspecified:
      return "an unspecified address";
    case AddressClass::kLoopback:
      return "a loopback address";
    case AddressClass::kPrivate:
      return "a private address";
    case AddressClass::kSharedCgnat:
      return "a shared (carrier-grade NAT) address";
    case AddressClass::kLinkLocal:
      return "a link-local address";
    case AddressClass::kMetadata:
      return "a cloud metadata address";
    case AddressClass::kMulticast:
      return "a multicast address";
    case AddressClass::kBroadcast:
      return "a broadcast address";
    case AddressClass::kReserved:
      return "a reserved address";
  }
  return "a reserved address";
}

EgressPolicy::EgressPolicy(std::vector<Cidr> allowed) : allowed_(std::move(allowed)) {}

Result<EgressPolicy> EgressPolicy::Parse(std::string_view allow_list) {
  std::vector<Cidr> allowed;
  std::size_t start = 0;
  while (start <= allow_list.size()) {
    std::size_t comma = allow_list.find(',', start);
    if (comma == std::string_view::npos) comma = allow_list.size();
    std::string_view item = allow_list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      auto c = Cidr::Parse(item);
      if (!c.ok()) return c.error();
      allowed.push_back(*c);
    }
    start = comma + 1;
  }
  return EgressPolicy(std::move(allowed));
}

Status EgressPolicy::Check(const IpAddress& address) const {
  Classification c = Classify(address);
  if (c.kind == AddressClass::kPublic) return OkStatus();
  for (const auto& range : allowed_) {
    if (range.Contains(address) || (c.embedded && range.Contains(*c.embedded))) return OkStatus();
  }
  return MakeError(ErrorCode::kForbidden,
                   address.ToString() + ", " + Describe(c.kind) +
                       "; outbound calls to private networks are not allowed");
}

Result<std::vector<IpAddress>> EgressPolicy::Resolve(const std::string& host) const {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    return MakeError(ErrorCode::kValidation,
                     "cannot resolve host " + host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, &freeaddrinfo);
  std::vector<IpAddress> out;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    IpAddress a;
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      a = IpAddress::FromV4(ntohl(sin->sin_addr.s_addr));
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), &sin6->sin6_addr, 16);
      a = IpAddress::FromV6(b);
    } else {
      continue;
    }
    if (std::find_if(out.begin(), out.end(), [&](const IpAddress& x) {
          return x.bytes == a.bytes && x.v4 == a.v4;
        }) != out.end()) {
      continue;
    }
    Status allowed = Check(a);
    if (!allowed.ok()) {
      return MakeError(ErrorCode::kForbidden, host + " resolves to " + allowed.error().message);
    }
    out.push_back(a);
  }
  if (out.empty()) return MakeError(ErrorCode::kValidation, "cannot resolve host " + host);
  return out;
}

}  // namespace orderflow::http
