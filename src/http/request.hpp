#pragma once
// The server's view of a request and a response, free of Beast types so that
// handlers compile fast and can be tested without sockets.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace orderflow::store {
class Store;
}

namespace orderflow::http {

struct Request {
  std::string method;                        // upper case: GET, POST, PATCH, DELETE, OPTIONS
  std::string target;                        // raw request target
  std::string path;                          // percent-decoded path, without the query
  std::map<std::string, std::string> query;  // decoded query parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;
  std::map<std::string, std::string> params;  // path parameters bound by the router
  std::string remote_address;
  // Set by the Idempotency-Key wrapper: the store whose first write unit
  // also records the key (handlers/idempotency.hpp, UnitStore).
  std::shared_ptr<store::Store> unit_store;

  // Value of the first header with this (lower-case) name, or "".
  std::string_view Header(std::string_view lower_name) const;
  // Query parameter or "".
  const std::string& Query(const std::string& name) const;
  const std::string& Param(const std::string& name) const;
};

// Streams chunks of a long-lived response (Server-Sent Events). Thread-safe.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  // Queues `data` for the client; false once the client has gone.
  virtual bool Send(std::string data) = 0;
  virtual bool Closed() const = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the server sends the headers, then calls this once with a
  // writer that stays valid until the client disconnects; the body is unused.
  std::function<void(std::shared_ptr<StreamWriter>)> stream;
};

// Completes a request. Call exactly once, from any thread.
using Respond = std::function<void(Response)>;
// Handlers must not block: database work goes to a worker pool or the store's
// asynchronous Write.
using Handler = std::function<void(Request& request, Respond respond)>;

// The JSON error envelope with the status that belongs to the error code.
// This is the one place that maps ErrorCode to HTTP (SPEC §7).
Response ErrorResponse(const Error& error);
int HttpStatusFor(ErrorCode code);
// A JSON response with the given status and serialized body.
Response JsonResponse(int status, std::string body);
// 405 with the envelope (code "method_not_allowed") and an Allow header
// listing `allowed` ("GET, POST"). No ErrorCode exists for it because only
// the router, never a handler, decides it.
Response MethodNotAllowedResponse(std::string allowed);

}  // namespace orderflow::http
