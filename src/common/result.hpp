#pragma once
// Expected failures travel as values (LevelDB Status style): a closed set of
// error codes that http/error_mapping.cpp turns into status + envelope.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace orderflow {

enum class ErrorCode {
  kInvalidJson,
  kValidation,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kConflict,
  kInsufficientStock,
  kInvalidTransition,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kUnknownProduct,
  kTotalMismatch,
  kRateLimited,
  kUnavailable,
  kInternal,
  // Never leaves the store: a unit of work returns it to be rolled back and
  // run again at once (Store::Write).
  kRetryUnit,
};

// Stable wire name of an error code ("validation_failed", ...).
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;  // empty when the error is not about one input field
};

inline Error MakeError(ErrorCode code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }
  ErrorCode code() const { return error().code; }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  ErrorCode code() const { return error_->code; }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return {}; }

}  // namespace orderflow

// Propagates the error of a Result/Status expression out of the enclosing function.
#define OF_RETURN_IF_ERROR(expr)                     \
  do {                                               \
    auto of_status_ = (expr);                        \
    if (!of_status_.ok()) return of_status_.error(); \
  } while (false)

#define OF_CONCAT_INNER(a, b) a##b
#define OF_CONCAT(a, b) OF_CONCAT_INNER(a, b)
#define OF_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.error();             \
  lhs = std::move(tmp).value()
// lhs = value of a Result expression, or return its error.
#define OF_ASSIGN_OR_RETURN(lhs, expr) \
  OF_ASSIGN_OR_RETURN_IMPL(OF_CONCAT(of_result_, __LINE__), lhs, expr)
