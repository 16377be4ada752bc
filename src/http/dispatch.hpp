#pragma once
// What happens to a parsed request before and around its handler, with no
// socket and no Beast: the CORS decision, CORS preflights, static files,
// routing (404/405, HEAD as GET) and the JSON content-type rule. The
// server's sessions and ServeBytes both go through here.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/router.hpp"

namespace orderflow::http {

// The routes and files one server answers with. Read-only while serving.
struct Site {
  Router router;
  std::filesystem::path static_root;      // canonical; empty when static files are off
  std::vector<std::string> cors_origins;  // exact origins allowed; "*" allows any
};

// The value for Access-Control-Allow-Origin when `origin` (the request's
// Origin header) is allowed, or "" for no CORS headers.
std::string AllowedCorsOrigin(const std::vector<std::string>& allowed, std::string_view origin);

// True for the paths the router owns (/api/..., health, metrics); every
// other GET may be a static file.
bool IsRoutedPath(std::string_view path);

// Decides everything before a handler runs. Returns the response when the
// request is answered here (preflight, forbidden origin, static file,
// 404, 405, 415); otherwise sets `handler` and returns nullopt. A HEAD
// request routed to a GET route comes back with method "GET".
// `cors_origin` is AllowedCorsOrigin's answer for this request.
std::optional<Response> Route(const Site& site, Request& request, std::string_view cors_origin,
                              const Handler*& handler);

// Runs the handler; false (after logging) when it threw, and the caller
// answers 500. `respond` is copied, so the caller's copy stays usable.
bool CallHandler(const Handler& handler, Request& request, const Respond& respond);

}  // namespace orderflow::http
