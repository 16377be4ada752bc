#pragma once
// Which addresses outbound calls on a tenant's behalf (webhooks; later
// plugins and carriers) may reach. Hosts are resolved first and every
// resulting address is checked, so numeric spellings such as 2130706433,
// 0x7f000001, 127.1 or 0177.0.0.1 are judged by the address they name, not
// by their text. Refused: loopback, private (RFC 1918, fc00::/7), link-local,
// shared CGNAT space, multicast, broadcast and other reserved ranges, cloud
// metadata endpoints and the unspecified address, in IPv4 and IPv6,
// including IPv6 forms that embed an IPv4 address (IPv4-mapped and
// -compatible, NAT64, 6to4). An operator may allow ranges explicitly
// (--allow-private-egress). The classification is pure; Resolve() blocks on
// the system resolver. Thread-safe (immutable after construction).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace orderflow::http {

// An IPv4 or IPv6 address; IPv4 is kept as its IPv4-mapped IPv6 form.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;

  static IpAddress FromV4(std::uint32_t host_order);
  static IpAddress FromV6(const std::array<std::uint8_t, 16>& bytes);
  // Strict numeric forms only: dotted quad or RFC 4291 text (no brackets).
  static std::optional<IpAddress> Parse(std::string_view text);
  std::string ToString() const;
  std::uint32_t V4() const;  // meaningful when v4
};

// An address range "a.b.c.d/n" or "v6::/n" (a bare address is a /32 or /128).
struct Cidr {
  IpAddress base;
  int prefix = 0;

  static Result<Cidr> Parse(std::string_view text);
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;
};

enum class AddressClass {
  kPublic,
  kUnspecified,
  kLoopback,
  kPrivate,
  kSharedCgnat,
  kLinkLocal,
  kMetadata,
  kMulticast,
  kBroadcast,
  kReserved,
};

struct Classification {
  AddressClass kind = AddressClass::kPublic;
  // The IPv4 address an IPv6 form embeds when that decided the class.
  std::optional<IpAddress> embedded;
};

// Pure: the class of an address (IPv6 forms embedding IPv4 take the class of
// the embedded address when that is not public).
Classification Classify(const IpAddress& address);
// "a loopback address", "a private address", ...
const char* Describe(AddressClass kind);

class EgressPolicy {
 public:
  // `allowed`: ranges reachable despite their class (tests, on-prem).
  explicit EgressPolicy(std::vector<Cidr> allowed = {});
  // "127.0.0.0/8,::1/128" (empty: nothing extra allowed); kValidation names
  // the bad entry.
  static Result<EgressPolicy> Parse(std::string_view allow_list);

  // OkStatus when outbound calls may reach `address`; else kForbidden with
  // "<address> is a loopback address; outbound calls to private networks
  // are not allowed".
  Status Check(const IpAddress& address) const;
  // Resolves `host` (a name or an address, IPv6 without brackets) with the
  // system resolver and checks every address it yields: the addresses, or
  // kValidation "cannot resolve host …", or kForbidden naming the first
  // refused address ("resolves to 127.0.0.1, a loopback address; …").
  // Blocks: call it off the I/O threads.
  Result<std::vector<IpAddress>> Resolve(const std::string& host) const;

  const std::vector<Cidr>& allowed() const { return allowed_; }

 private:
  std::vector<Cidr> allowed_;
};

}  // namespace orderflow::http
