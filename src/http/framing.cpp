#include "http/framing.hpp"

#include <algorithm>
#include <string>

#include "http/strings.hpp"

namespace orderflow::http {
namespace {

Error Invalid(std::string message, std::string header) {
  return MakeError(ErrorCode::kValidation, std::move(message), std::move(header));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// uri-host [ ":" port ] (RFC 3986): reg-name, IPv4 or an IP literal in
// brackets, percent-encoding allowed.
bool IsHostChar(char c) {
  if (IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("-._~!$&'()*+,;=:[]%").find(c) != std::string_view::npos;
}

// The codings of every Transfer-Encoding line, in order; empty list
// elements are ignored as RFC 9110 §5.6.1 asks.
std::vector<std::string_view> Codings(const std::vector<std::string_view>& lines) {
  std::vector<std::string_view> codings;
  for (std::string_view line : lines) {
    while (true) {
      auto comma = line.find(',');
      std::string_view coding = TrimSpaces(line.substr(0, comma));
      if (!coding.empty()) codings.push_back(coding);
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
  }
  return codings;
}

}  // namespace

std::optional<Error> FramingProblem(const FramingFields& fields) {
  if (!fields.transfer_encoding.empty()) {
    if (fields.version < 11) {
      return Invalid("Transfer-Encoding is not allowed in HTTP/1.0", "Transfer-Encoding");
    }
    if (!fields.content_length.empty()) {
      return Invalid("Transfer-Encoding and Content-Length must not be sent together",
                     "Transfer-Encoding");
    }
    std::vector<std::string_view> codings = Codings(fields.transfer_encoding);
    if (codings.size() != 1 || !IEquals(codings.front(), "chunked")) {
      return Invalid("unsupported Transfer-Encoding: only chunked is accepted",
                     "Transfer-Encoding");
    }
  }
  if (fields.content_length.size() > 1) {
    return Invalid("more than one Content-Length", "Content-Length");
  }
  if (!fields.content_length.empty()) {
    std::string_view length = TrimSpaces(fields.content_length.front());
    if (length.empty() || !std::all_of(length.begin(), length.end(), IsDigit)) {
      return Invalid("Content-Length must be a decimal number", "Content-Length");
    }
  }
  if (fields.host.size() > 1) return Invalid("more than one Host header", "Host");
  if (fields.host.empty()) {
    if (fields.version >= 11) return Invalid("the Host header is required", "Host");
  } else {
    std::string_view host = TrimSpaces(fields.host.front());
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return Invalid("invalid Host header", "Host");
    }
  }
  return std::nullopt;
}

}  // namespace orderflow::http
