#include "support/raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace orderflow::testing {

RawConnection::RawConnection(unsigned short port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      Close();
      return;
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) Close();
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return bytes.empty();
}

long RawConnection::ReadOnce(std::chrono::milliseconds timeout, bool discard) {
  if (fd_ < 0 || peer_closed_) return 0;
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready < 0 && errno == EINTR) return -1;
  if (ready <= 0) return -1;
  std::vector<char> buffer(64 * 1024);
  ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return -1;
  if (n <= 0) {
    peer_closed_ = true;  // EOF, or a reset
    return 0;
  }
  if (!discard) received_.append(buffer.data(), static_cast<std::size_t>(n));
  return n;
}

bool RawConnection::ReadUntil(std::string_view until, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (received_.find(until) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || peer_closed_ || fd_ < 0) return false;
    ReadOnce(left, false);
  }
  return true;
}

bool RawConnection::ReadUntilClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!peer_closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0) return false;
    ReadOnce(left, false);
  }
  return true;
}

std::size_t RawConnection::Discard(std::chrono::milliseconds timeout) {
  long n = ReadOnce(timeout, true);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

int CountResponses(std::string_view bytes) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  int count = 0;
  for (std::size_t at = bytes.find("HTTP/1."); at != std::string_view::npos;
       at = bytes.find("HTTP/1.", at + 1)) {
    std::string_view line = bytes.substr(at, 13);  // "HTTP/1.1 200 "
    if (line.size() == 13 && is_digit(line[7]) && line[8] == ' ' && is_digit(line[9]) &&
        is_digit(line[10]) && is_digit(line[11]) && line[12] == ' ') {
      ++count;
    }
  }
  return count;
}

}  // namespace orderflow::testing
