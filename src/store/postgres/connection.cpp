#include "store/postgres/connection.hpp"

#include <algorithm>
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

}  // namespace

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
  if (tally_ != nullptr) tally_->CountRoundTrip();
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

namespace {

constexpr std::size_t kMaxPending = 256;  // then the answers are read, so neither side blocks

std::vector<const char*> Values(const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.value ? p.value->c_str() : nullptr);
  return values;
}

}  // namespace

const Connection::PreparedStatement* Connection::Prepared(const std::string& sql, Error* error) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return &it->second;
  std::string name = "s" + std::to_string(next_statement_++);
  if (pipeline_) {
    if (PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr) == 0) {
      PipelineFailure(MakeError(ErrorCode::kUnavailable, "database unreachable: " + LastError()));
      return nullptr;
    }
    pending_.push_back(Pending{nullptr, name, false});
  } else {
    CountRoundTrip();
    PGresult* res = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      *error = Fail(res, "prepare");
      return nullptr;
    }
    PQclear(res);
  }
  return &prepared_.emplace(sql, PreparedStatement{std::move(name), ClassifySql(sql)})
              .first->second;
}

void Connection::PipelineFailure(Error error) {
  if (!pipeline_error_) pipeline_error_ = std::move(error);
}

Status Connection::QueueSent(int sent, Check check, std::string prepared_name) {
  if (sent == 0) {
    PipelineFailure(MakeError(ErrorCode::kUnavailable, "database unreachable: " + LastError()));
    return *pipeline_error_;
  }
  pending_.push_back(Pending{std::move(check), std::move(prepared_name), false});
  if (pending_.size() >= kMaxPending) {
    FlushAndDrain();
  }
  if (pipeline_error_) return *pipeline_error_;
  return OkStatus();
}

void Connection::FlushAndDrain() {
  CountRoundTrip();
  if (PQsendFlushRequest(conn_) == 0 || PQflush(conn_) != 0) {
    PipelineFailure(MakeError(ErrorCode::kUnavailable, "database unreachable: " + LastError()));
  }
  Drain();
}

void Connection::Drain() {
  while (!pending_.empty()) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) {
      // No answer where one is owed: the session is gone.
      PipelineFailure(MakeError(ErrorCode::kUnavailable, "database unreachable: " + LastError()));
      pending_.clear();
      return;
    }
    ExecStatusType st = PQresultStatus(res);
    if (p.sync) {
      PQclear(res);  // PGRES_PIPELINE_SYNC: no NULL follows it
      continue;
    }
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      Rows rows(res);
      if (p.check && !pipeline_error_) {
        Status checked = p.check(rows);
        if (!checked.ok()) PipelineFailure(checked.error());
      }
    } else {
      if (!p.prepared.empty()) {
        // Never prepared: the next use prepares it again.
        auto it = std::find_if(prepared_.begin(), prepared_.end(),
                               [&](const auto& e) { return e.second.name == p.prepared; });
        if (it != prepared_.end()) prepared_.erase(it);
      }
      if (st == PGRES_PIPELINE_ABORTED) {
        PQclear(res);
        PipelineFailure(MakeError(ErrorCode::kInternal, "pipeline aborted"));
      } else {
        PipelineFailure(Fail(res, "postgresql"));
      }
    }
    // Each command's answer ends with a NULL.
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  }
}

Status Connection::Send(const std::string& sql, const std::vector<Param>& params, Check check) {
  SettleOwedExit();
  if (!pipeline_) {
    OF_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
    if (check) return check(rows);
    return OkStatus();
  }
  if (pipeline_error_) return *pipeline_error_;
  const PreparedStatement* prepared = Prepared(sql, nullptr);
  if (prepared == nullptr) return *pipeline_error_;
  // Queued, not awaited: a statement of its kind; the round trip is counted
  // when the writer waits for the answers (Await, ExitPipeline).
  if (tally_ != nullptr) tally_->Count(prepared->kind);
  std::vector<const char*> values = Values(params);
  return QueueSent(
      PQsendQueryPrepared(conn_, prepared->name.c_str(), static_cast<int>(values.size()),
                          values.data(), nullptr, nullptr, 0),
      std::move(check));
}

Result<Rows> Connection::Query(const std::string& sql, const std::vector<Param>& params) {
  SettleOwedExit();
  if (pipeline_) {
    std::optional<Rows> out;
    OF_RETURN_IF_ERROR(Send(sql, params, [&out](Rows& rows) {
      out.emplace(std::move(rows));
      return OkStatus();
    }));
    OF_RETURN_IF_ERROR(Await());
    if (!out) return MakeError(ErrorCode::kInternal, "postgresql: no answer in the pipeline");
    return std::move(*out);
  }
  Error error;
  const PreparedStatement* prepared = Prepared(sql, &error);
  if (prepared == nullptr) return error;
  CountRoundTrip();
  if (tally_ != nullptr) tally_->Count(prepared->kind);
  std::vector<const char*> values = Values(params);
  PGresult* res = PQexecPrepared(conn_, prepared->name.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Fail(res, "postgresql");
  return Rows(res);
}

Status Connection::Exec(const std::string& sql) {
  SettleOwedExit();
  if (pipeline_) {
    if (pipeline_error_) return *pipeline_error_;
    Status queued = OkStatus();
    ForEachSqlStatement(sql, [this, &queued](std::string_view statement) {
      if (!queued.ok()) return;
      if (tally_ != nullptr) tally_->Count(ClassifySql(statement));
      std::string one(statement);
      queued = QueueSent(
          PQsendQueryParams(conn_, one.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0), nullptr);
    });
    return queued;
  }
  CountRoundTrip();
  if (tally_ != nullptr) {
    ForEachSqlStatement(
        sql, [this](std::string_view statement) { tally_->Count(ClassifySql(statement)); });
  }
  PGresult* res = PQexec(conn_, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Fail(res, "postgresql");
  PQclear(res);
  return OkStatus();
}

Status Connection::Await() {
  SettleOwedExit();
  if (!pipeline_) return OkStatus();
  if (!pending_.empty() && !pipeline_error_) {
    FlushAndDrain();
  }
  if (pipeline_error_) return *pipeline_error_;
  return OkStatus();
}

Status Connection::EnterPipeline() {
  SettleOwedExit();
  if (PQenterPipelineMode(conn_) == 0) {
    return MakeError(ErrorCode::kUnavailable, "cannot enter pipeline mode: " + LastError());
  }
  pipeline_ = true;
  pipeline_error_.reset();
  return OkStatus();
}

Status Connection::ExitPipeline() {
  SettleOwedExit();
  if (!pipeline_) return OkStatus();
  CountRoundTrip();
  SendSync();
  return FinishExit();
}

void Connection::ExitPipelineLater() {
  SettleOwedExit();
  if (!pipeline_) return;
  SendSync();
  exit_owed_ = true;
}

bool Connection::Alive() {
  SettleOwedExit();
  return PQconsumeInput(conn_) != 0 && !Broken();
}

void Connection::SendSync() {
  if (PQpipelineSync(conn_) == 0) {
    PipelineFailure(MakeError(ErrorCode::kUnavailable, "database unreachable: " + LastError()));
  } else {
    pending_.push_back(Pending{nullptr, {}, true});
  }
}

Status Connection::FinishExit() {
  Drain();
  pending_.clear();
  // Nothing may be left unread before the mode can end.
  while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
  (void)PQexitPipelineMode(conn_);
  pipeline_ = false;
  std::optional<Error> failed = std::move(pipeline_error_);
  pipeline_error_.reset();
  if (failed) return *failed;
  return OkStatus();
}

}  // namespace orderflow::store::pg
