#pragma once
// Method + path-pattern routing. Patterns are literal segments and `:name`
// parameters ("/api/orders/:id/cancel"). Built once at start-up, then read-only.

#include <string>
#include <vector>

#include "http/request.hpp"

namespace orderflow::http {

class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
  };

  void Add(std::string method, std::string pattern, Handler handler);

  enum class MatchResult { kFound, kNotFound, kMethodNotAllowed };
  // Finds the route for `request.method` and `request.path`, binding
  // `request.params`. `allowed` lists the methods of a path that matched
  // without its method.
  MatchResult Match(Request& request, const Handler** handler, std::string* allowed) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace orderflow::http
