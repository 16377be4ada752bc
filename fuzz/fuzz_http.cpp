// Raw bytes -> the server's request handling (http::ServeBytes: Beast's
// parser with the session's limits, target decoding, CORS, static files,
// routing, real handlers on a real SQLite store). Every response must keep
// the contract checked by CheckResponses.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_app.hpp"
#include "http/server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orderflow;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const fuzz::FuzzApp& app = fuzz::App();
  fuzz::CheckResponses(http::ServeBytes(app.config, *app.router, input), input);
  return 0;
}
