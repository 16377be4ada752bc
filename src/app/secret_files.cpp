#include "app/secret_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/ids.hpp"

namespace orderflow::app {
namespace {

Error IoError(const std::string& what, const std::string& path) {
  return MakeError(ErrorCode::kUnavailable,
                   "cannot " + what + " " + path + ": " + std::strerror(errno));
}

// Makes a rename in `dir` durable.
void SyncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status CreateSecretFile(const std::string& path, const std::string& content) {
  std::filesystem::path target(path);
  std::string temp = path + ".tmp-" + RandomHex(6);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError("create", temp);
  // The umask can only narrow 0600; fchmod guards against a stricter one
  // that would leave the owner unable to read the file back.
  ::fchmod(fd, 0600);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = IoError("write", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return e;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = IoError("sync", temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return e;
  }
  ::close(fd);
  // link() fails when the target exists, so two processes creating the same
  // file at once keep the first one's contents (rename would replace it).
  if (::link(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    if (saved == EEXIST) return MakeError(ErrorCode::kConflict, path + " exists already");
    return IoError("create", path);
  }
  ::unlink(temp.c_str());
  SyncDirectory(target.parent_path());
  return OkStatus();
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return MakeError(ErrorCode::kNotFound, path + " does not exist");
  }
  std::ifstream in(path);
  if (!in) return IoError("read", path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

Status PrepareDataDirectory(const std::string& dir) {
  if (dir.empty()) return OkStatus();
  std::filesystem::path p(dir);
  std::error_code ec;
  if (!std::filesystem::exists(p, ec)) {
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) return IoError("create directory", dir);
    return OkStatus();
  }
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return IoError("stat", dir);
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kValidation, dir + " is not a directory");
  }
  // Older versions created it 0755; narrow it when it is ours and looks
  // like a data directory: never a shared one (sticky, like /tmp), and never
  // the working or home directory a database was simply put in.
  if (st.st_uid != ::geteuid() || (st.st_mode & 077) == 0 || (st.st_mode & S_ISVTX) != 0) {
    return OkStatus();
  }
  auto same = [&p](const std::filesystem::path& other) {
    std::error_code e;
    return !other.empty() && std::filesystem::equivalent(p, other, e);
  };
  std::error_code cwd_ec;
  const char* home = std::getenv("HOME");
  if (same(std::filesystem::current_path(cwd_ec)) || (home != nullptr && same(home))) {
    return OkStatus();
  }
  ::chmod(p.c_str(), st.st_mode & 07700);
  return OkStatus();
}

Result<std::string> LoadSecretKey(const std::string& path, bool create) {
  auto text = ReadSecretFile(path);
  if (!text.ok() && text.code() == ErrorCode::kNotFound && create) {
    Status created = CreateSecretFile(path, RandomHex(32) + "\n");
    if (!created.ok() && created.code() != ErrorCode::kConflict) return created.error();
    text = ReadSecretFile(path);
  }
  if (!text.ok()) {
    return MakeError(text.code(), "secret key file: " + text.error().message);
  }
  if (text->size() != 64) {
    return MakeError(ErrorCode::kValidation,
                     "secret key file " + path + " must hold 64 hex digits (a 32-byte key)");
  }
  std::string key(32, '\0');
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = FromHex((*text)[2 * i]);
    int lo = FromHex((*text)[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return MakeError(ErrorCode::kValidation,
                       "secret key file " + path + " must hold 64 hex digits (a 32-byte key)");
    }
    key[i] = static_cast<char>(hi * 16 + lo);
  }
  return key;
}

}  // namespace orderflow::app
