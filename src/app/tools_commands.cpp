// `orderflow dlq` and `orderflow load`.

#include <cstdio>
#include <iostream>

#include "app/commands.hpp"
#include "app/open_store.hpp"

namespace orderflow::app {
namespace {

int Fail(const std::string& message) {
  std::cerr << "orderflow: " << message << std::endl;
  return 2;
}

// Beside a running server (no process lock), on a database that exists.
Result<std::unique_ptr<store::Store>> OpenShared(const Config& config, bool read_only) {
  OpenOptions options;
  options.must_exist = true;
  options.read_only = read_only;
  return OpenDatabase(config, options);
}

}  // namespace

int DeadLetterList(Config config, const std::string& store_id) {
  auto db = OpenShared(config, true);
  if (!db.ok()) return Fail(db.error().message);
  Status s = (*db)->Read([&](store::ReadTx& tx) -> Status {
    std::vector<std::string> stores;
    if (!store_id.empty()) {
      stores.push_back(store_id);
    } else {
      OF_ASSIGN_OR_RETURN(auto all, tx.ListStores());
      for (const auto& st : all) stores.push_back(st.store_id);
    }
    std::int64_t total = 0;
    std::printf("%-6s %-10s %-28s %-18s %-8s %-24s %s\n", "store", "event", "topic", "step",
                "attempts", "failed at", "last error");
    for (const auto& id : stores) {
      std::int64_t cursor = 0;
      do {
        OF_ASSIGN_OR_RETURN(auto page, tx.ListDeadLetters(id, cursor, 500));
        for (const auto& d : page.items) {
          std::printf("%-6s %-10lld %-28s %-18s %-8d %-24s %s\n", id.c_str(),
                      static_cast<long long>(d.event.id), d.event.topic.c_str(), d.step.c_str(),
                      d.attempts, FormatIso8601(d.updated_at).c_str(), d.last_error.c_str());
          ++total;
        }
        cursor = page.next_event_id.value_or(0);
      } while (cursor != 0);
    }
    std::printf("%lld dead letter(s)\n", static_cast<long long>(total));
    return OkStatus();
  });
  return s.ok() ? 0 : Fail(s.error().message);
}

int DeadLetterRedrive(Config config, const std::string& store_id, std::int64_t event_id,
                      const std::string& step) {
  auto db = OpenShared(config, false);
  if (!db.ok()) return Fail(db.error().message);
  TimeMs now = SystemClock().NowMs();
  Status s = store::WriteSync(**db, [&](store::WriteTx& tx) {
    return tx.events().RedriveDelivery(store_id, event_id, step, now);
  });
  if (!s.ok()) return Fail(s.error().message);
  std::printf("redriven: event %lld for step %s; a running server picks it up within a second\n",
              static_cast<long long>(event_id), step.c_str());
  return 0;
}

int LoadCommand(load::LoadOptions options, const std::string& target) {
  auto colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0) return Fail("--target: expected HOST:PORT");
  options.host = target.substr(0, colon);
  std::string port = target.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
      std::stoi(port) > 65535) {
    return Fail("--target: invalid port '" + port + "'");
  }
  options.port = static_cast<unsigned short>(std::stoi(port));
  load::LoadReport report;
  try {
    report = load::RunLoad(options, [](const std::string& line) {
      std::fprintf(stderr, "\r%-100s", line.c_str());
      std::fflush(stderr);
    });
    std::fprintf(stderr, "\n");
    std::printf("%s", load::FormatReport(options, report).c_str());
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n");
    return Fail(e.what());
  }
  // A run where requests failed measured something else than the intake
  // (401s are cheap): scripts and CI must not take it for a result.
  if (report.Failed() > 0) {
    std::cerr << "orderflow load: " << report.Failed() << " of "
              << report.sent + report.connection_errors << " requests failed ("
              << load::FormatFailures(report.statuses, report.connection_errors) << ")"
              << std::endl;
    return 1;
  }
  return 0;
}

}  // namespace orderflow::app
