#pragma once
// A synchronous HTTP/1.1 client for tests. Beast stays in http_client.cpp so
// that tests including this header compile fast. Not thread-safe: use one
// client per thread.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderflow::testing {

struct HttpResult {
  int status = 0;  // 0 when no response arrived (connection failed or closed)
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined with ", "
  std::string body;
};

class HttpClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  explicit HttpClient(unsigned short port, std::string host = "127.0.0.1");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request on the kept-alive connection, reconnecting when the
  // server has closed it. Network failures give status 0 with the reason in
  // `body`; each step times out after 10 s.
  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "", const Headers& headers = {});
  HttpResult Get(const std::string& target, const Headers& headers = {});
  // Adds Content-Type: application/json when the body is non-empty and no
  // content type is given.
  HttpResult Post(const std::string& target, const std::string& body, const Headers& headers = {});

  // Opens a new connection, writes `raw_bytes` and returns everything read
  // until the server closes, 2 s pass, or (when `until` is not empty) the
  // bytes read contain `until`.
  std::string RawExchange(const std::string& raw_bytes, std::string_view until = {});

  // Connections opened by Request so far; lets tests observe keep-alive.
  int connect_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow::testing
