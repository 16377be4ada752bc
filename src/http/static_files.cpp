#include "http/static_files.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "http/strings.hpp"

namespace orderflow::http {
namespace {

namespace fs = std::filesystem;

bool IsWithin(const fs::path& root, const fs::path& candidate) {
  auto [root_end, ignored] =
      std::mismatch(root.begin(), root.end(), candidate.begin(), candidate.end());
  return root_end == root.end();
}

// Dotfiles (.env, .git, .htpasswd) are deployment leftovers, never part of
// the page, so any segment that starts with '.' is refused; this also covers
// "." and "..".
bool HasDotSegment(const fs::path& relative) {
  return std::any_of(relative.begin(), relative.end(), [](const fs::path& segment) {
    std::string name = segment.string();
    return !name.empty() && name.front() == '.';
  });
}

bool ReadFile(const fs::path& file, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return false;
  out = std::move(content).str();
  return true;
}

Response NotFound() { return ErrorResponse(MakeError(ErrorCode::kNotFound, "not found")); }

}  // namespace

fs::path CanonicalStaticRoot(const std::string& static_dir) {
  if (static_dir.empty()) return {};
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(static_dir, ec), ec);
  if (ec) root = fs::absolute(static_dir);
  return root;
}

std::string_view ContentTypeFor(const fs::path& file) {
  std::string ext = Lower(file.extension().string());
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

Response ServeStatic(const fs::path& root, const Request& request) {
  const std::string& path = request.path;
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos ||
      path.find('\\') != std::string::npos) {
    return NotFound();
  }

  fs::path relative;
  std::string_view rest = path;
  std::string_view last;
  while (!rest.empty()) {
    rest.remove_prefix(1);
    auto slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    if (segment.empty()) continue;
    if (segment.front() == '.') return NotFound();
    relative /= std::string(segment);
    last = segment;
  }

  std::error_code ec;
  fs::path file = root / relative;
  if (path.back() == '/' || relative.empty() || fs::is_directory(file, ec)) {
    file /= "index.html";
  }
  if (!fs::is_regular_file(file, ec)) {
    // Client-side routes of the single-page app ("/orders/123") have no
    // extension; real assets do, and a missing asset must stay a 404.
    if (last.find('.') != std::string_view::npos) return NotFound();
    file = root / "index.html";
    if (!fs::is_regular_file(file, ec)) return NotFound();
  }
  fs::path resolved = fs::weakly_canonical(file, ec);
  // A symlink inside the root may point at a dotfile inside it too.
  if (ec || !IsWithin(root, resolved) || HasDotSegment(resolved.lexically_relative(root))) {
    return NotFound();
  }

  Response response;
  if (!ReadFile(resolved, response.body)) return NotFound();
  response.content_type = std::string(ContentTypeFor(resolved));
  bool html = response.content_type.rfind("text/html", 0) == 0;
  // Pages must pick up new deployments at once; assets may be cached briefly.
  response.headers.emplace_back("Cache-Control", html ? "no-cache" : "public, max-age=300");
  return response;
}

}  // namespace orderflow::http
