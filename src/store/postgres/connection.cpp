#include "store/postgres/connection.hpp"

#include <cstdio>
#include <cstdlib>

namespace orderflow::store::pg {
namespace {

void AppendQuoted(std::string& out, const std::string& value) {
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running..."); errors here are one line.
std::string Trimmed(const char* message) {
  std::string out;
  for (const char* p = message ? message : ""; *p != '\0'; ++p) {
    if (*p == '\n' || *p == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += *p;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::atomic<std::int64_t> total_round_trips{0};

}  // namespace

std::int64_t Connection::TotalRoundTrips() {
  return total_round_trips.load(std::memory_order_relaxed);
}

Param::Param(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  value = buf;
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    AppendQuoted(out, values[i]);
  }
  return out + "}";
}

std::string IntArray(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    PQclear(res_);
    res_ = other.res_;
    other.res_ = nullptr;
  }
  return *this;
}

std::int64_t Rows::Affected() const {
  const char* n = PQcmdTuples(res_);
  return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

std::int64_t Rows::Int(int row, int col) const {
  if (PQgetisnull(res_, row, col)) return 0;
  return std::strtoll(PQgetvalue(res_, row, col), nullptr, 10);
}

double Rows::Double(int row, int col) const {
  if (PQgetisnull(res_, row, col)) return 0;
  return std::strtod(PQgetvalue(res_, row, col), nullptr);
}

std::string Rows::Text(int row, int col) const {
  if (PQgetisnull(res_, row, col)) return {};
  return std::string(PQgetvalue(res_, row, col),
                     static_cast<std::size_t>(PQgetlength(res_, row, col)));
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return MakeError(ErrorCode::kUnavailable, "libpq: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return MakeError(ErrorCode::kUnavailable, message);
  }
  std::unique_ptr<Connection> out(new Connection(conn));
  // Notices (e.g. "there is no transaction in progress") are not errors.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  OF_RETURN_IF_ERROR(out->Exec("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'"));
  return out;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::Broken() const { return PQstatus(conn_) != CONNECTION_OK; }

std::string Connection::LastError() const { return Trimmed(PQerrorMessage(conn_)); }

void Connection::CountRoundTrip() {
  ++round_trips_;
  total_round_trips.fetch_add(1, std::memory_order_relaxed);
}

Error Connection::Fail(PGresult* res, std::string_view context) {
  std::string sqlstate;
  std::string message;
  if (res != nullptr) {
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    sqlstate = state ? state : "";
    message = Trimmed(PQresultErrorMessage(res));
    PQclear(res);
  }
  if (message.empty()) message = LastError();
  message = std::string(context) + ": " + message;
  if (sqlstate == "40001" || sqlstate == "40P01") {
    saw_retryable_ = true;
    return MakeError(ErrorCode::kUnavailable, message);
  }
  // Class 08 (connection exception), 57P0x (shutdown), or no SQLSTATE at all
  // with a dead session: the database is unreachable.
  if (Broken() || sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0 ||
      sqlstate == "53300") {
    return MakeError(ErrorCode::kUnavailable, "database unreachable: " + message);
  }
  if (sqlstate == "23514") return MakeError(ErrorCode::kInsufficientStock, message);
  if (sqlstate.rfind("23", 0) == 0) return MakeError(ErrorCode::kConflict, message);
  return MakeError(ErrorCode::kInternal, message);
}

Result<Rows> Connection::Query(const std::string& sql, std::initializer_list<Param> params) {
  return Query(sql, std::vector<Param>(params));
}

Result<Rows> Connection::Query(const std::string& sql, const std::vector<Param>& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    CountRoundTrip();
    PGresult* res = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return Fail(res, "prepare");
    PQclear(res);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.value ? p.value->c_str() : nullptr);
  CountRoundTrip();
  PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Fail(res, "postgresql");
  return Rows(res);
}

Status Connection::Exec(const std::string& sql) {
  CountRoundTrip();
  PGresult* res = PQexec(conn_, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Fail(res, "postgresql");
  PQclear(res);
  return OkStatus();
}

}  // namespace orderflow::store::pg
