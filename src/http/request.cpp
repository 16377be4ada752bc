#include "http/request.hpp"

namespace orderflow::http {
namespace {

// Returned by reference for absent keys, so callers never see a dangling value.
const std::string kEmpty;

}  // namespace

std::string_view Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

const std::string& Request::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? kEmpty : it->second;
}

const std::string& Request::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

}  // namespace orderflow::http
