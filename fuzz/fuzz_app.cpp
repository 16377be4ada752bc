#include "fuzz/fuzz_app.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

#include "app/routes.hpp"
#include "app/thread_pool.hpp"
#include "common/clock.hpp"
#include "engine/flow.hpp"
#include "http/handlers/api.hpp"
#include "http/live_hub.hpp"
#include "steps/steps.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "tenancy/store_admin.hpp"
#include "tenancy/tenant_directory.hpp"

namespace orderflow::fuzz {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fuzz app: %s\n", what.c_str());
  std::abort();
}

std::string MakeDirectory() {
  fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "orderflow-fuzz-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) Die("cannot create a temporary directory");
  return pattern;
}

void WriteFile(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// Everything the handlers reference lives here for the process lifetime.
struct World {
  std::string dir;
  SystemClock clock;
  std::unique_ptr<store::Store> db;
  std::unique_ptr<tenancy::TenantDirectory> tenants;
  engine::Flow flow = steps::DeclareFlow();
  std::unique_ptr<app::ThreadPool> blocking;
  std::unique_ptr<http::LiveHub> live;
  std::unique_ptr<http::handlers::Services> services;
  http::Router router;
  FuzzApp app;

  World() {
    // Handler errors are expected by the thousand; logging them only slows
    // the fuzzer down.
    spdlog::set_level(spdlog::level::off);
    dir = MakeDirectory();
    // Removed at exit: a fuzzer leaves no database behind.
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(Instance().dir, ec);
    });

    store::SqliteConfig sc;
    sc.path = dir + "/orderflow.db";
    sc.readers = 2;
    auto opened = store::SqliteStore::Open(sc);
    if (!opened.ok()) Die(opened.error().message);
    db = std::move(opened).value();
    auto seeded = tenancy::SeedDemo(*db, clock);
    if (!seeded.ok()) Die(seeded.error().message);

    tenants = std::make_unique<tenancy::TenantDirectory>(std::string(kAdminToken), true, clock);
    Status loaded = db->Read([this](store::ReadTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(auto stores, tx.ListStores());
      for (const auto& s : stores) tenants->Upsert(s);
      return OkStatus();
    });
    if (!loaded.ok()) Die(loaded.error().message);

    blocking = std::make_unique<app::ThreadPool>(2);
    live = std::make_unique<http::LiveHub>(*db, clock);
    services = std::make_unique<http::handlers::Services>(
        http::handlers::Services{*db, *blocking, clock, *tenants, flow, live.get()});
    app::RegisterRoutes(router, *services, *live);

    // A static root with a secret next to it, for traversal attempts.
    fs::create_directories(dir + "/web/assets");
    WriteFile(dir + "/web/index.html", "<!doctype html><title>OrderFlow</title>");
    WriteFile(dir + "/web/assets/app.js", "console.log('orderflow');");
    WriteFile(dir + "/secret.txt", kSecretMarker);

    app.config.body_limit = 64 * 1024;
    app.config.cors_origins = {"http://allowed.example"};
    app.config.static_dir = dir + "/web";
    app.router = &router;
  }

  static World& Instance() {
    static World* world = new World();  // never destroyed: handlers may still run at exit
    return *world;
  }
};

[[noreturn]] void Violation(const std::string& what, const http::Response& r,
                            std::string_view input) {
  std::fprintf(stderr, "contract violation: %s\nstatus %d, body: %.2000s\ninput (%zu bytes)\n",
               what.c_str(), r.status, r.body.c_str(), input.size());
  std::abort();
}

bool IsErrorEnvelope(const std::string& body) {
  std::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return false;
  const auto* error = v.get_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return false;
  const auto& e = error->get_object();
  const auto* code = e.if_contains("code");
  const auto* message = e.if_contains("message");
  const auto* field = e.if_contains("field");
  return code != nullptr && code->is_string() && !code->get_string().empty() &&
         message != nullptr && message->is_string() && field != nullptr &&
         (field->is_string() || field->is_null());
}

}  // namespace

const FuzzApp& App() { return World::Instance().app; }

void CheckResponses(const std::vector<http::Response>& responses, std::string_view input) {
  for (const http::Response& r : responses) {
    if (r.status < 100 || r.status > 599) Violation("status out of range", r, input);
    // An input may carry the marker itself and see it echoed in a message.
    if (r.body.find(kSecretMarker) != std::string::npos &&
        input.find(kSecretMarker) == std::string_view::npos) {
      Violation("a file outside the static root was served", r, input);
    }
    if (r.status < 400) continue;
    if (r.status >= 500) Violation("server error", r, input);
    if (r.content_type != "application/json") Violation("error is not JSON", r, input);
    if (!IsErrorEnvelope(r.body)) Violation("error without the envelope", r, input);
  }
}

}  // namespace orderflow::fuzz
