#pragma once
// The demo payment service (orderflow-payment-gateway) as a child process on
// a loopback port, shared by the tests that need a payment peer outside the
// server: it de-duplicates charges by idempotency key and counts them, so a
// test can prove that no order was charged twice.

#include <sys/types.h>

#include <string>

namespace orderflow::testing {

// A loopback port below the kernel's ephemeral range that is free now, for
// a service that must come back on the same port after a restart (a
// kernel-chosen port may meanwhile be handed to an outgoing connection).
unsigned short PortOutsideEphemeralRange();

class GatewayProcess {
 public:
  // Starts `binary` on 127.0.0.1:`port` (0: kernel-chosen) and waits for its
  // "listening on" line; a failure to start is a test failure.
  explicit GatewayProcess(std::string binary, unsigned short port = 0);
  // SIGKILL and reap.
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  void Kill();
  unsigned short port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Distinct orders charged so far (GET /api/stats "captured"), -1 on error.
  long long Captured() const;

 private:
  void Start(unsigned short port);

  std::string binary_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

}  // namespace orderflow::testing
