#include "support/gateway_process.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {

unsigned short PortOutsideEphemeralRange() {
  int low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
  const int first = 20000;
  const int span = std::max(1000, low - first);
  std::mt19937 rng{std::random_device{}()};
  for (int tries = 0; tries < 200; ++tries) {
    const int port = first + static_cast<int>(rng() % static_cast<unsigned>(span));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (free) return static_cast<unsigned short>(port);
  }
  ADD_FAILURE() << "no free loopback port below the ephemeral range";
  return 0;
}

GatewayProcess::GatewayProcess(std::string binary, unsigned short port)
    : binary_(std::move(binary)) {
  Start(port);
}

GatewayProcess::~GatewayProcess() { Kill(); }

void GatewayProcess::Start(unsigned short port) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    execl(binary_.c_str(), binary_.c_str(), "--listen", listen.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  char line[256] = {0};
  const bool started = std::fgets(line, sizeof line, out) != nullptr;
  fclose(out);
  ASSERT_TRUE(started) << "payment gateway did not start";
  const std::string text(line);
  const auto colon = text.rfind(':');
  ASSERT_NE(colon, std::string::npos) << text;
  port_ = static_cast<unsigned short>(std::stoi(text.substr(colon + 1)));
}

void GatewayProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

long long GatewayProcess::Captured() const {
  HttpClient client(port_);
  const HttpResult r = client.Get("/api/stats");
  const auto v = ParseJson(r.body);
  if (r.status != 200 || !v.is_object() || !v.as_object().contains("captured")) return -1;
  return v.at("captured").to_number<long long>();
}

}  // namespace orderflow::testing
