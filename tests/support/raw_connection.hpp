#pragma once
// A plain TCP connection to a local server for tests that need to control
// every byte and see exactly when the server closes: HTTP framing attacks,
// connection caps, streams. POSIX sockets only, so it compiles fast. Not
// thread-safe; every wait has a deadline, and none is a synchronisation.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace orderflow::testing {

class RawConnection {
 public:
  static constexpr std::chrono::milliseconds kPatience{20000};

  // Connects to 127.0.0.1:port, from `source` (another loopback address
  // such as 127.0.0.2 poses as a second client; empty: the kernel's
  // choice). connected() says whether it worked.
  explicit RawConnection(unsigned short port, const std::string& source = "");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all of `bytes`; false when the connection is broken.
  bool Send(std::string_view bytes);
  // Reads until what was received contains `until` (true), or the peer
  // closes or `timeout` passes (false).
  bool ReadUntil(std::string_view until, std::chrono::milliseconds timeout = kPatience);
  // Reads until the peer closes the connection (true; a reset counts) or
  // `timeout` passes (false).
  bool ReadUntilClosed(std::chrono::milliseconds timeout = kPatience);
  // Waits up to `timeout` for data and discards what arrives; the number of
  // bytes read, 0 on timeout or when the peer has closed.
  std::size_t Discard(std::chrono::milliseconds timeout);
  // Everything received so far (except discarded bytes).
  const std::string& received() const { return received_; }
  bool peer_closed() const { return peer_closed_; }
  void Close();

 private:
  // One poll + recv; appends to received_ unless `discard`. -1 on timeout.
  long ReadOnce(std::chrono::milliseconds timeout, bool discard);

  int fd_ = -1;
  std::string received_;
  bool peer_closed_ = false;
};

// The number of HTTP responses in `bytes`: status lines ("HTTP/1.1 200 ")
// wherever they are, so only for bodies that contain none.
int CountResponses(std::string_view bytes);

}  // namespace orderflow::testing
