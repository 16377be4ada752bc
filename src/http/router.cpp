#include "http/router.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace orderflow::http {
namespace {

// Deeper paths than this are never routed; it keeps matching allocation-free.
constexpr std::size_t kMaxSegments = 32;

struct Segments {
  std::array<std::string_view, kMaxSegments> items;
  std::size_t size = 0;
};

// Splits on '/'. The leading slash and one trailing slash are ignored, so
// "/api/orders/" and "/api/orders" address the same resource. False when the
// path is too deep to route.
bool Split(std::string_view path, Segments& out) {
  out.size = 0;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return true;
  while (true) {
    if (out.size == kMaxSegments) return false;
    auto slash = path.find('/');
    out.items[out.size++] = path.substr(0, slash);
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

using Binding = std::pair<std::string_view, std::string_view>;

struct Bindings {
  std::array<Binding, kMaxSegments> items;
  std::size_t size = 0;
};

// Matches `path` against `pattern`. `specificity` ranks overlapping patterns:
// a literal segment beats a parameter at the first position where they differ,
// so "/api/orders/stats" wins over "/api/orders/:id" whatever the order of Add.
bool MatchPattern(std::string_view pattern, const Segments& path, std::uint64_t& specificity,
                  Bindings& bindings) {
  Segments parts;
  if (!Split(pattern, parts) || parts.size != path.size) return false;
  specificity = 0;
  bindings.size = 0;
  for (std::size_t i = 0; i < parts.size; ++i) {
    std::string_view part = parts.items[i];
    std::string_view value = path.items[i];
    if (!part.empty() && part.front() == ':') {
      // An empty parameter ("/api/orders//cancel") is never a valid id.
      if (value.empty()) return false;
      bindings.items[bindings.size++] = {part.substr(1), value};
    } else {
      if (part != value) return false;
      specificity |= std::uint64_t{1} << (63 - i);
    }
  }
  return true;
}

void AppendMethod(std::string& allowed, const std::string& method) {
  std::string_view rest = allowed;
  while (!rest.empty()) {
    auto comma = rest.find(", ");
    if (rest.substr(0, comma) == method) return;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 2);
  }
  if (!allowed.empty()) allowed += ", ";
  allowed += method;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
}

Router::MatchResult Router::Match(Request& request, const Handler** handler,
                                  std::string* allowed) const {
  Segments path;
  if (!Split(request.path, path)) return MatchResult::kNotFound;

  const Route* best = nullptr;
  std::uint64_t best_specificity = 0;
  Bindings best_bindings;
  Bindings bindings;
  std::string methods;
  bool path_matched = false;
  for (const Route& route : routes_) {
    std::uint64_t specificity = 0;
    if (!MatchPattern(route.pattern, path, specificity, bindings)) continue;
    path_matched = true;
    if (route.method != request.method) {
      AppendMethod(methods, route.method);
      continue;
    }
    if (best == nullptr || specificity > best_specificity) {
      best = &route;
      best_specificity = specificity;
      best_bindings = bindings;
    }
  }

  if (best != nullptr) {
    request.params.clear();
    for (std::size_t i = 0; i < best_bindings.size; ++i) {
      request.params.emplace(std::string(best_bindings.items[i].first),
                             std::string(best_bindings.items[i].second));
    }
    if (handler != nullptr) *handler = &best->handler;
    return MatchResult::kFound;
  }
  if (path_matched) {
    if (allowed != nullptr) *allowed = std::move(methods);
    return MatchResult::kMethodNotAllowed;
  }
  return MatchResult::kNotFound;
}

}  // namespace orderflow::http
