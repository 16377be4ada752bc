#pragma once
// Counting SQL statements by kind (store.hpp StatementCounts), shared by the
// SQLite and PostgreSQL connection layers. A statement is classified once,
// when it is prepared; each execution then bumps one relaxed atomic.

#include <atomic>
#include <cstdint>
#include <string_view>

#include "store/store.hpp"

namespace orderflow::store {

enum class StatementKind { kWrite, kRead, kTxControl, kOther };

// Classifies SQL text by its leading keyword (after comments and blanks):
// BEGIN/COMMIT/END/ROLLBACK/SAVEPOINT/RELEASE/START are kTxControl;
// INSERT/UPDATE/DELETE/REPLACE/MERGE/UPSERT are kWrite; SELECT/VALUES/TABLE/
// SHOW/EXPLAIN are kRead; WITH is kWrite when a data-modifying keyword
// follows the common table expressions and kRead otherwise; anything else
// (DDL, PRAGMA, SET, NOTIFY, LISTEN) is kOther. Case-insensitive. For one
// statement: callers split scripts with ForEachSqlStatement.
StatementKind ClassifySql(std::string_view sql);

// Calls fn(statement) for each ;-separated statement of `script` that is
// not blank, skipping semicolons inside quotes ('', "", $tag$…$tag$) and
// comments (--, /* */).
template <typename Fn>
void ForEachSqlStatement(std::string_view script, Fn&& fn);

// Statement counters of one or more connections. Thread-safe (relaxed
// atomics: each counter is exact, a snapshot across counters is not).
class StatementTally {
 public:
  void Count(StatementKind kind) {
    switch (kind) {
      case StatementKind::kWrite:
        write_.fetch_add(1, std::memory_order_relaxed);
        break;
      case StatementKind::kRead:
        read_.fetch_add(1, std::memory_order_relaxed);
        break;
      case StatementKind::kTxControl:
        tx_control_.fetch_add(1, std::memory_order_relaxed);
        break;
      case StatementKind::kOther:
        other_.fetch_add(1, std::memory_order_relaxed);
        break;
    }
  }
  void CountRoundTrip() { round_trips_.fetch_add(1, std::memory_order_relaxed); }
  void CountCommit(std::int64_t pages_written) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    pages_written_.fetch_add(pages_written, std::memory_order_relaxed);
  }

  StatementCounts::Kinds Snapshot() const {
    StatementCounts::Kinds out;
    out.write = write_.load(std::memory_order_relaxed);
    out.read = read_.load(std::memory_order_relaxed);
    out.tx_control = tx_control_.load(std::memory_order_relaxed);
    out.other = other_.load(std::memory_order_relaxed);
    out.round_trips = round_trips_.load(std::memory_order_relaxed);
    out.commits = commits_.load(std::memory_order_relaxed);
    out.pages_written = pages_written_.load(std::memory_order_relaxed);
    return out;
  }

 private:
  std::atomic<std::int64_t> write_{0};
  std::atomic<std::int64_t> read_{0};
  std::atomic<std::int64_t> tx_control_{0};
  std::atomic<std::int64_t> other_{0};
  std::atomic<std::int64_t> round_trips_{0};
  std::atomic<std::int64_t> commits_{0};
  std::atomic<std::int64_t> pages_written_{0};
};

// --- implementation ---

namespace detail {
// Length of the quoted text, comment or dollar-quoted body starting at
// script[i] (0 when none starts there).
std::size_t SkipQuoted(std::string_view script, std::size_t i);
// The first word of `sql` after blanks and comments; empty when none.
std::string_view LeadingKeyword(std::string_view sql);
}  // namespace detail

template <typename Fn>
void ForEachSqlStatement(std::string_view script, Fn&& fn) {
  std::size_t start = 0;
  std::size_t i = 0;
  auto emit = [&](std::size_t end) {
    std::string_view statement = script.substr(start, end - start);
    if (!detail::LeadingKeyword(statement).empty()) fn(statement);
  };
  while (i < script.size()) {
    if (std::size_t skip = detail::SkipQuoted(script, i); skip > 0) {
      i += skip;
    } else if (script[i] == ';') {
      emit(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  emit(script.size());
}

}  // namespace orderflow::store
