#include "common/result.hpp"

namespace orderflow {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidJson:
      return "invalid_json";
    case ErrorCode::kValidation:
      return "validation_failed";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kInsufficientStock:
      return "insufficient_stock";
    case ErrorCode::kInvalidTransition:
      return "invalid_state_transition";
    case ErrorCode::kPayloadTooLarge:
      return "payload_too_large";
    case ErrorCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::kUnknownProduct:
      return "unknown_product";
    case ErrorCode::kTotalMismatch:
      return "total_mismatch";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kRetryUnit:
      return "internal";
  }
  return "internal";
}

}  // namespace orderflow
