#pragma once
// A small synchronous HTTP/1.1 client for calls to other services (the
// payment gateway, webhooks). One request per call on a fresh connection,
// with a total timeout. Beast stays in client.cpp.

#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace orderflow::http {

class EgressPolicy;

struct ClientResponse {
  int status = 0;
  std::string body;
};

struct ClientRequest {
  std::string method = "POST";
  std::string url;  // http://host:port/path or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeout_ms = 5000;
  // When set, the connection goes only to resolved addresses the policy
  // allows (checked after resolving, so a name that later resolves to a
  // private address is refused too); kForbidden when none is allowed.
  // Must outlive the call.
  const EgressPolicy* policy = nullptr;
};

// kUnavailable when the service cannot be reached, fails TLS verification
// or does not answer within timeout_ms (resolve, connect, handshake, write
// and read together); kForbidden when `policy` allows none of the host's
// addresses; any HTTP status is a successful result. The Host header
// carries the port when it is not the scheme's default; IPv6 literals
// ([::1]) work.
Result<ClientResponse> Send(const ClientRequest& request);

}  // namespace orderflow::http
