#pragma once
// Text helpers of the HTTP layer: ASCII case folding and trimming (header
// names and tokens are ASCII, so no locale is involved), content-type and
// request-id rules.

#include <string>
#include <string_view>

namespace orderflow::http {

char AsciiLower(char c);
std::string Lower(std::string_view text);
// Case-insensitive ASCII comparison.
bool IEquals(std::string_view a, std::string_view b);
// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view TrimSpaces(std::string_view text);

// "application/json" with optional parameters ("; charset=utf-8"), any case.
bool IsJsonContentType(std::string_view value);

// Incoming request ids are echoed only when they cannot smuggle anything
// into logs or headers: 1 to 64 of [A-Za-z0-9._-].
bool IsSaneRequestId(std::string_view id);
// 16 lower-case hex digits, unique enough for correlating logs. Thread-safe.
std::string NewRequestId();

}  // namespace orderflow::http
