#include "support/server_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "support/pg_test_db.hpp"

extern char** environ;

namespace orderflow::testing {
namespace {

namespace json = boost::json;

constexpr auto kReadyTimeout = std::chrono::seconds(10);
constexpr auto kExitTimeout = std::chrono::seconds(10);
constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr std::string_view kListening = "listening on http://";

std::string RandomToken() {
  std::random_device device;
  std::mt19937_64 rng(device());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = "test-admin-";
  for (int i = 0; i < 32; ++i) token += kHex[rng() % 16];
  return token;
}

std::string ReadFrom(const std::string& path, std::size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t FileSize(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return 0;
  return static_cast<std::size_t>(in.tellg());
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string BinaryUnderTest(const char* env_name, const char* built_in) {
  const char* env = std::getenv(env_name);
  return env != nullptr && *env != '\0' ? env : built_in;
}

ServerProcess::ServerProcess(Options options, std::string binary)
    : options_(std::move(options)), binary_(std::move(binary)) {
  if (binary_.empty()) {
    const char* env = std::getenv("ORDERFLOW_BINARY");
    if (env == nullptr || *env == '\0') {
      throw std::runtime_error("ServerProcess: no ORDERFLOW_BINARY to run");
    }
    binary_ = env;
  }
  dir_ = std::make_unique<TempDir>();
  admin_token_ = RandomToken();
  for (std::size_t i = 0; i < options_.extra_args.size(); ++i) {
    const std::string& arg = options_.extra_args[i];
    if (arg == "--admin-token" && i + 1 < options_.extra_args.size()) {
      admin_token_ = options_.extra_args[i + 1];
    } else if (arg.rfind("--admin-token=", 0) == 0) {
      admin_token_ = arg.substr(14);
    }
  }
  db_path_ = options_.db_path.empty() ? dir_->File("of.db") : options_.db_path;
  if (!options_.db_url.empty()) {
    db_arg_ = options_.db_url;
  } else if (OnPostgres()) {
    db_arg_ = PgSchemaUrl(dir_->path());
    if (db_arg_.empty()) throw std::runtime_error("ServerProcess: no PostgreSQL test server");
  } else {
    db_arg_ = "sqlite:" + db_path_;
  }
  log_path_ = dir_->File("server.log");
  if (db_arg_.rfind("postgres", 0) == 0) {
    // Servers sharing a PostgreSQL database need the same key; every test
    // server gets this fixed one (SQLite servers create their own).
    secret_key_file_ = dir_->File("secret-key");
    std::ofstream(secret_key_file_) << kTestSecretKey << "\n";
  }
  Launch();
}

ServerProcess::~ServerProcess() { Kill9(); }

void ServerProcess::Launch() {
  const std::vector<std::pair<std::string, std::string>> defaults = {
      {"--listen", "127.0.0.1:0"},
      {"--admin-token", admin_token_},
      {"--db", db_arg_},
      {"--ship-delay", "0"},
      {"--deliver-delay", "0"},
      // A restarted server on PostgreSQL takes over its predecessor's claims
      // once they expire; keep that short in tests.
      {"--claim-lease", "2"}};
  std::vector<std::string> args = {binary_, "serve"};
  if (!secret_key_file_.empty()) {
    bool overridden = false;
    for (const auto& extra : options_.extra_args) {
      if (extra.rfind("--secret-key-file", 0) == 0) overridden = true;
    }
    if (!overridden) args.insert(args.end(), {"--secret-key-file", secret_key_file_});
  }
  for (const auto& [flag, value] : defaults) {
    bool overridden = false;
    for (const auto& extra : options_.extra_args) {
      if (extra == flag || extra.rfind(flag + "=", 0) == 0) overridden = true;
    }
    if (!overridden) {
      args.push_back(flag);
      args.push_back(value);
    }
  }
  for (const auto& extra : options_.extra_args) {
    // "--admin-token=" only removes the default: the server makes its own.
    if (extra != "--admin-token=") args.push_back(extra);
  }

  // The caller's ORDERFLOW_* variables must not change what is tested.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "ORDERFLOW_", 10) != 0) env.emplace_back(*e);
  }

  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const std::size_t offset = FileSize(log_path_);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) throw std::runtime_error("ServerProcess: cannot open " + log_path_);
  const pid_t parent = ::getpid();

  pid_t child = ::fork();
  if (child < 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("ServerProcess: fork failed: ") + std::strerror(errno));
  }
  if (child == 0) {
    // A crashed test must not leave servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    // The test's own sockets must not stay open in the server.
    if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    ::execve(argv[0], argv.data(), envp.data());
    static constexpr char kMessage[] = "ServerProcess: execve failed\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(127);
  }
  ::close(log_fd);
  pid_ = child;
  port_ = 0;

  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (true) {
    std::string out = ReadFrom(log_path_, offset);
    if (auto at = out.find(kListening); at != std::string::npos) {
      auto end = out.find('\n', at);
      if (end != std::string::npos) {
        auto colon = out.rfind(':', end);
        int port = colon > at + kListening.size() ? std::atoi(out.c_str() + colon + 1) : 0;
        if (port <= 0 || port > 65535) {
          Kill9();
          throw std::runtime_error("ServerProcess: cannot parse the port from:\n" + out);
        }
        port_ = static_cast<unsigned short>(port);
        return;
      }
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("ServerProcess: orderflow serve exited with code " +
                               std::to_string(ExitCodeOf(status)) + " before it was ready:\n" +
                               ReadFrom(log_path_, offset));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Kill9();
      throw std::runtime_error(
          "ServerProcess: orderflow serve printed no 'listening on' line within 10 s:\n" +
          ReadFrom(log_path_, offset));
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

int ServerProcess::Reap(bool block_with_timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + kExitTimeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, block_with_timeout ? WNOHANG : 0);
    if (r == pid_) {
      pid_ = -1;
      return ExitCodeOf(status);
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(kPollInterval);
  }
}

void ServerProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Reap(false);
}

int ServerProcess::Terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = Reap(true);
  if (pid_ > 0) {
    ADD_FAILURE() << "orderflow serve did not exit within 10 s of SIGTERM";
    Kill9();
    return -1;
  }
  return code;
}

int ServerProcess::WaitExit() { return Reap(true); }

void ServerProcess::Restart() {
  if (pid_ > 0) Terminate();
  Launch();
}

std::string ServerProcess::Output() const { return ReadFrom(log_path_, 0); }

std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) output += buf.data();
  int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

bool ServerProcess::OnPostgres() {
  const char* backend = std::getenv("ORDERFLOW_TEST_BACKEND");
  return backend != nullptr && std::string(backend) == "postgres";
}

std::int64_t ServerProcess::QueryInt(const std::string& sql) const {
  if (!options_.db_url.empty()) {
    ADD_FAILURE() << "QueryInt needs the server's own database, not " << options_.db_url;
    return -1;
  }
  if (OnPostgres()) {
    try {
      return PgQueryInt(dir_->path(), sql);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      return -1;
    }
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << db_path_;
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  std::int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "bad SQL (" << sqlite3_errmsg(db) << "): " << sql;
  } else if (sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

json::value ParseJson(const std::string& body) {
  std::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return nullptr;
  return v;
}

bool IsErrorEnvelope(const std::string& body, std::string* why) {
  auto fail = [why](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return false;
  };
  json::value v = ParseJson(body);
  if (!v.is_object()) return fail("body is not a JSON object");
  const auto& o = v.get_object();
  if (o.size() != 1 || !o.contains("error")) return fail("expected exactly the key \"error\"");
  if (!o.at("error").is_object()) return fail("\"error\" is not an object");
  const auto& e = o.at("error").get_object();
  for (const char* key : {"code", "message", "field"}) {
    if (!e.contains(key)) return fail(std::string("missing error.") + key);
  }
  if (!e.at("code").is_string() || e.at("code").get_string().empty()) {
    return fail("error.code is not a non-empty string");
  }
  if (!e.at("message").is_string() || e.at("message").get_string().empty()) {
    return fail("error.message is not a non-empty string");
  }
  if (!e.at("field").is_string() && !e.at("field").is_null()) {
    return fail("error.field is neither a string nor null");
  }
  return true;
}

std::string ErrorCodeOf(const std::string& body) {
  if (!IsErrorEnvelope(body)) return {};
  return std::string(ParseJson(body).at("error").at("code").get_string());
}

std::string ErrorFieldOf(const std::string& body) {
  if (!IsErrorEnvelope(body)) return {};
  const json::value field = ParseJson(body).at("error").at("field");
  return field.is_string() ? std::string(field.get_string()) : std::string();
}

StoreApi::StoreApi(unsigned short port, std::string token, std::string store_id)
    : client_(port), token_(std::move(token)), store_id_(std::move(store_id)) {}

HttpClient::Headers StoreApi::With(const HttpClient::Headers& extra) const {
  HttpClient::Headers headers;
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  if (!store_id_.empty()) headers.emplace_back("X-Store-ID", store_id_);
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

HttpResult StoreApi::Get(const std::string& target, const HttpClient::Headers& extra) {
  return client_.Get(target, With(extra));
}

HttpResult StoreApi::Post(const std::string& target, const std::string& body,
                          const HttpClient::Headers& extra) {
  return client_.Post(target, body, With(extra));
}

HttpResult StoreApi::Patch(const std::string& target, const std::string& body,
                           const HttpClient::Headers& extra) {
  HttpClient::Headers headers = With(extra);
  headers.emplace_back("Content-Type", "application/json");
  return client_.Request("PATCH", target, body, headers);
}

HttpResult StoreApi::Send(const std::string& method, const std::string& target,
                          const std::string& body, const HttpClient::Headers& extra) {
  return client_.Request(method, target, body, With(extra));
}

long long StoreApi::OrderCount() {
  HttpResult r = Get("/api/orders?limit=1");
  if (r.status != 200) return -1;
  json::value v = ParseJson(r.body);
  if (!v.is_object() || !v.get_object().contains("total")) return -1;
  const json::value& total = v.at("total");
  return total.is_int64() ? total.get_int64() : -1;
}

HttpResult StoreApi::PostOrder(const std::string& customer, const std::string& product_name,
                               int quantity, const HttpClient::Headers& extra) {
  json::object body{
      {"customerName", customer},
      {"items", json::array{json::object{{"productName", product_name}, {"quantity", quantity}}}}};
  return Post("/api/order", json::serialize(body), extra);
}

std::string CreateStore(ServerProcess& server, const std::string& store_id,
                        const std::string& extra_fields) {
  HttpClient client(server.port());
  std::string body = R"({"storeId":")" + store_id + R"(","name":"Test store )" + store_id + "\"" +
                     extra_fields + "}";
  HttpResult r =
      client.Post("/api/stores", body, {{"Authorization", "Bearer " + server.admin_token()}});
  if (r.status != 201) {
    ADD_FAILURE() << "POST /api/stores " << store_id << " gave " << r.status << ": " << r.body;
    return {};
  }
  json::value v = ParseJson(r.body);
  if (!v.is_object() || !v.get_object().contains("apiKey") || !v.at("apiKey").is_string()) {
    ADD_FAILURE() << "POST /api/stores gave no apiKey: " << r.body;
    return {};
  }
  return std::string(v.at("apiKey").get_string());
}

std::string Str(const boost::json::value& v, const char* key) {
  const boost::json::value* field = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  return field != nullptr && field->is_string() ? std::string(field->get_string()) : "<missing>";
}

std::string UniqueStoreId(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(++counter);
}

}  // namespace orderflow::testing
