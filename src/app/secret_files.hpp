#pragma once
// Files that hold secrets beside the database (admin-token, secret-key) and
// the modes of the data directory. A secret file is never visible with a
// wider mode or half written: it is written to a temporary file created
// 0600 with O_EXCL, fsynced and renamed into place.

#include <string>

#include "common/result.hpp"

namespace orderflow::app {

// Writes `content` to `path` atomically with mode 0600. kConflict when
// `path` exists already (another process created it first); kUnavailable on
// an I/O error, naming the file.
Status CreateSecretFile(const std::string& path, const std::string& content);

// The first line of `path`; kNotFound when the file does not exist,
// kUnavailable when it cannot be read.
Result<std::string> ReadSecretFile(const std::string& path);

// Creates `dir` (and missing parents) with mode 0700; an existing directory
// that grants group or other access is narrowed to 0700 when we own it and
// it is neither sticky (/tmp) nor the working or home directory.
Status PrepareDataDirectory(const std::string& dir);

// The 32-byte key that seals webhook secrets, kept as 64 hex digits in
// `path`. With `create`, a missing file is created with a random key
// (0600, atomically). Errors name the file: a missing file without
// `create`, or contents that are not 64 hex digits.
Result<std::string> LoadSecretKey(const std::string& path, bool create);

}  // namespace orderflow::app
