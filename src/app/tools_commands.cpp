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

Result<std::unique_ptr<store::Store>> OpenShared(const Config& config) {
  return OpenDatabase(config, OpenOptions{});
}

}  // namespace

int DeadLetterList(Config config, const std::string& store_id) {
  auto db = OpenShared(config);
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
  auto db = OpenShared(config);
  if (!db.ok()) return Fail(db.error().message);
  TimeMs now = SystemClock().NowMs();
  Status s = store::WriteSync(
      **db, [&](store::WriteTx& tx) { return tx.RedriveDelivery(store_id, event_id, step, now); });
  if (!s.ok()) return Fail(s.error().message);
  std::printf("redriven: event %lld for step %s; a running server picks it up within a second\n",
              static_cast<long long>(event_id), step.c_str());
  return 0;
}

int LoadCommand(load::LoadOptions options, const std::string& target) {
  auto colon = target.rfind(':');
  if (colon == std::string::npos) return Fail("--target must be HOST:PORT");
  options.host = target.substr(0, colon);
  try {
    options.port = static_cast<unsigned short>(std::stoi(target.substr(colon + 1)));
  } catch (const std::exception&) {
    return Fail("--target must be HOST:PORT");
  }
  if (options.connections < 1 || options.connections > 10000)
    return Fail("--connections must be 1 to 10000");
  try {
    load::LoadReport report = load::RunLoad(options, [](const std::string& line) {
      std::fprintf(stderr, "\r%-100s", line.c_str());
      std::fflush(stderr);
    });
    std::fprintf(stderr, "\n");
    std::printf("%s", load::FormatReport(options, report).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n");
    return Fail(e.what());
  }
  return 0;
}

}  // namespace orderflow::app
