#pragma once
// Log lines about an order. In `--log-format json` every line is one JSON
// object {"ts","level","msg"}; lines written through LogOrder also carry
// "orderId" and "traceId", so one order's flow can be followed across the
// intake, every step, retries and dead letters (the text format is unchanged).
//
// The trace id of an order's flow is derived from its order id (the first
// 128 bits of SHA-256("orderflow-trace:" + orderId), 32 lower-case hex
// digits, the shape of a W3C trace-id): stable across steps, processes and
// restarts, and computable wherever the order id is known, with no lookup.
//
// How the fields reach the formatter: LogOrder puts them in a thread-local
// for the duration of one synchronous spdlog call, and the JSON formatter
// (which runs on the calling thread, the logger being synchronous) reads
// them. An asynchronous logger would lose them.

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace orderflow {

std::string TraceIdFor(std::string_view order_id);

// Order fields of the log call in progress on this thread, if any.
struct LogFields {
  std::string_view order_id;
  std::string_view trace_id;
};
const LogFields* CurrentLogFields();

// Makes `fields` the current thread's log fields until destroyed.
class ScopedLogFields {
 public:
  explicit ScopedLogFields(const LogFields& fields);
  ~ScopedLogFields();
  ScopedLogFields(const ScopedLogFields&) = delete;
  ScopedLogFields& operator=(const ScopedLogFields&) = delete;

 private:
  const LogFields* previous_;
};

// Logs through the default logger with the order's orderId and traceId
// (none when `order_id` is empty: events of no order).
template <typename... Args>
void LogOrder(spdlog::level::level_enum level, std::string_view order_id,
              spdlog::format_string_t<Args...> fmt, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  if (order_id.empty()) {
    spdlog::log(level, fmt, std::forward<Args>(args)...);
    return;
  }
  std::string trace_id = TraceIdFor(order_id);
  LogFields fields{order_id, trace_id};
  ScopedLogFields scope(fields);
  spdlog::log(level, fmt, std::forward<Args>(args)...);
}

// One JSON log object (no newline): {"ts","level","msg"[,"orderId","traceId"]}.
std::string JsonLogLine(std::string_view ts, std::string_view level, std::string_view msg,
                        const LogFields* fields);

// spdlog formatter writing JsonLogLine plus a newline, times in UTC.
std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter();

}  // namespace orderflow
