#pragma once
// The dashboard's static files: path canonicalisation, content types and
// caching headers. No Beast; the server calls ServeStatic for GET and HEAD
// requests outside the API.

#include <filesystem>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace orderflow::http {

// The canonical absolute form of `static_dir` (symlinks resolved as far as
// the path exists), or an empty path when `static_dir` is empty: static
// files are off.
std::filesystem::path CanonicalStaticRoot(const std::string& static_dir);

// The Content-Type for a file, by its extension (any case);
// application/octet-stream when unknown.
std::string_view ContentTypeFor(const std::filesystem::path& file);

// Serves `request.path` from `root` (as returned by CanonicalStaticRoot).
// Directories serve their index.html; paths without an extension that name
// no file serve the root's index.html (client-side routes of the page).
// Traversal attempts, backslashes, NUL bytes, escapes through symlinks and
// every path with a segment starting with '.' (/.env, /.git/config,
// /a/.hidden) answer 404, never 403, so the response reveals nothing about
// what exists. Blocking file I/O: the files are small and local.
Response ServeStatic(const std::filesystem::path& root, const Request& request);

}  // namespace orderflow::http
