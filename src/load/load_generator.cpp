#include "load/load_generator.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/clock.hpp"

namespace orderflow::load {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Shared {
  const LoadOptions& options;
  tcp::endpoint endpoint;
  std::atomic<std::int64_t> issued{0};
  std::atomic<std::int64_t> sent{0};
  std::atomic<std::int64_t> ok{0};
  std::atomic<std::int64_t> connection_errors{0};
  std::atomic<bool> stop{false};
  // Initialised so that the aggregate initialisation in RunLoad may leave
  // them out.
  std::mutex statuses_mu{};
  std::map<int, std::int64_t> statuses{};  // GUARDED_BY(statuses_mu)
  LatencyHistogram latency{};
  Clock::time_point start{};
};

std::string OrderBody(const LoadOptions& o, std::int64_t n) {
  json::object body{
      {"customerName", "Load Customer " + std::to_string(n % 100000)},
      {"customerEmail", "load" + std::to_string(n % 100000) + "@example.com"},
      {"items", json::array{json::object{{"productName", o.product}, {"quantity", 1}}}}};
  bool decline =
      o.decline_fraction > 0 && static_cast<double>(n % 1000) < o.decline_fraction * 1000.0;
  if (decline) body["payment"] = json::object{{"token", "tok_chargeDeclined"}};
  return json::serialize(body);
}

bool TakeTicket(Shared& s) {
  if (s.stop.load()) return false;
  std::int64_t n = s.issued.fetch_add(1);
  if (s.options.count > 0 && n >= s.options.count) return false;
  if (s.options.count == 0 &&
      std::chrono::duration<double>(Clock::now() - s.start).count() >= s.options.duration_s) {
    return false;
  }
  return true;
}

asio::awaitable<void> Connection(Shared& s, int index) {
  auto executor = co_await asio::this_coro::executor;
  const LoadOptions& o = s.options;
  double per_connection_rate = o.rate > 0 ? o.rate / o.connections : 0;
  auto next_send = Clock::now();
  asio::steady_timer pacer(executor);
  std::int64_t local = index;
  while (TakeTicket(s)) {
    beast::tcp_stream stream(executor);
    bool failed = false;
    try {
      co_await stream.async_connect(s.endpoint, asio::use_awaitable);
      stream.socket().set_option(tcp::no_delay(true));
      beast::flat_buffer buffer;
      bool first = true;
      for (;;) {
        if (!first && !TakeTicket(s)) break;
        first = false;
        if (per_connection_rate > 0) {
          next_send +=
              std::chrono::microseconds(static_cast<std::int64_t>(1e6 / per_connection_rate));
          if (next_send > Clock::now()) {
            pacer.expires_at(next_send);
            co_await pacer.async_wait(asio::use_awaitable);
          }
        }
        bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/api/order", 11};
        req.set(bhttp::field::host, o.host);
        req.set(bhttp::field::content_type, "application/json");
        req.set(bhttp::field::authorization, "Bearer " + o.token);
        req.set("X-Store-ID", o.store_id);
        req.body() = OrderBody(o, local);
        local += o.connections;
        req.prepare_payload();
        auto t0 = Clock::now();
        stream.expires_after(std::chrono::seconds(30));
        co_await bhttp::async_write(stream, req, asio::use_awaitable);
        bhttp::response<bhttp::string_body> res;
        co_await bhttp::async_read(stream, buffer, res, asio::use_awaitable);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        s.latency.Record(ms);
        s.sent.fetch_add(1);
        int code = static_cast<int>(res.result_int());
        if (code / 100 == 2) s.ok.fetch_add(1);
        {
          std::lock_guard lock(s.statuses_mu);
          ++s.statuses[code];
        }
        if (!res.keep_alive()) break;
      }
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    } catch (const std::exception&) {
      failed = true;
    }
    if (failed) {
      s.connection_errors.fetch_add(1);
      if (s.connection_errors.load() > 1000 && s.ok.load() == 0) s.stop = true;
      pacer.expires_after(std::chrono::milliseconds(10));
      co_await pacer.async_wait(asio::use_awaitable);
    }
  }
}

// Small synchronous request for setup and polling.
json::value Call(const LoadOptions& o, bhttp::verb verb, const std::string& target,
                 const std::string& body = "") {
  asio::io_context ctx;
  beast::tcp_stream stream(ctx);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(tcp::endpoint(asio::ip::make_address(o.host), o.port));
  bhttp::request<bhttp::string_body> req{verb, target, 11};
  req.set(bhttp::field::host, o.host);
  req.set(bhttp::field::authorization, "Bearer " + o.token);
  req.set("X-Store-ID", o.store_id);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  if (res.result_int() / 100 != 2) {
    throw std::runtime_error(target + " answered " + std::to_string(res.result_int()) + ": " +
                             res.body());
  }
  return json::parse(res.body());
}

void Restock(const LoadOptions& o) {
  json::value products = Call(o, bhttp::verb::get, "/api/products");
  for (const auto& p : products.at("items").as_array()) {
    if (p.at("productName").as_string() != o.product) continue;
    std::string id(p.at("productId").as_string());
    Call(o, bhttp::verb::patch, "/api/products/" + id,
         json::serialize(json::object{{"restock", o.restock}}));
    return;
  }
  throw std::runtime_error("product '" + o.product + "' not found in store " + o.store_id);
}

std::int64_t TerminalCount(const LoadOptions& o, std::int64_t& delivered, std::int64_t& failed) {
  json::value stats = Call(o, bhttp::verb::get, "/api/dashboard/stats");
  const auto& by = stats.at("ordersByStatus").as_object();
  delivered = by.at("delivered").as_int64();
  failed = by.at("failed").as_int64() + by.at("cancelled").as_int64();
  return delivered + failed;
}

Percentiles SampleEndToEnd(const LoadOptions& o) {
  json::value page = Call(o, bhttp::verb::get, "/api/orders?status=delivered&limit=500");
  std::vector<double> ms;
  for (const auto& item : page.at("items").as_array()) {
    TimeMs created = 0, updated = 0;
    if (ParseTime(std::string(item.at("createdAt").as_string()), created) &&
        ParseTime(std::string(item.at("updatedAt").as_string()), updated)) {
      ms.push_back(static_cast<double>(updated - created));
    }
  }
  std::sort(ms.begin(), ms.end());
  return PercentilesOfSorted(ms);
}

}  // namespace

LoadReport RunLoad(const LoadOptions& options,
                   const std::function<void(const std::string&)>& progress) {
  LoadReport report;
  if (options.restock > 0) Restock(options);
  std::int64_t delivered0 = 0, failed0 = 0;
  std::int64_t terminal0 = options.end_to_end ? TerminalCount(options, delivered0, failed0) : 0;

  Shared s{options, tcp::endpoint(asio::ip::make_address(options.host), options.port)};
  asio::io_context ctx;
  s.start = Clock::now();
  for (int i = 0; i < options.connections; ++i) {
    asio::co_spawn(ctx, Connection(s, i), asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, options.threads); ++i)
    threads.emplace_back([&ctx] { ctx.run(); });

  std::int64_t last_ok = 0;
  auto last = s.start;
  // One line per second, and a last one once every request has finished,
  // so that the final counts are always shown.
  auto report_progress = [&](Clock::time_point now) {
    double dt = std::max(1e-9, std::chrono::duration<double>(now - last).count());
    std::int64_t ok = s.ok.load();
    LoadReport so_far;
    so_far.connection_errors = s.connection_errors.load();
    {
      std::lock_guard lock(s.statuses_mu);
      so_far.statuses = s.statuses;
    }
    Percentiles p = s.latency.Compute();
    char line[256];
    std::snprintf(line, sizeof line,
                  "[%5.1fs] sent %lld  2xx %lld  failed %lld  %.0f orders/s  p50 %.2f ms  p99 "
                  "%.2f ms",
                  std::chrono::duration<double>(now - s.start).count(),
                  static_cast<long long>(s.sent.load()), static_cast<long long>(ok),
                  static_cast<long long>(so_far.Failed()), static_cast<double>(ok - last_ok) / dt,
                  p.p50, p.p99);
    std::string text = line;
    if (so_far.Failed() > 0) {
      text += "  (" + FormatFailures(so_far.statuses, so_far.connection_errors) + ")";
    }
    progress(text);
    last_ok = ok;
    last = now;
  };
  while (!ctx.stopped()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto now = Clock::now();
    if (now - last >= std::chrono::seconds(1) && !ctx.stopped()) report_progress(now);
  }
  for (auto& t : threads) t.join();
  report_progress(Clock::now());
  report.seconds = std::chrono::duration<double>(Clock::now() - s.start).count();
  report.sent = s.sent.load();
  report.created = s.ok.load();
  report.connection_errors = s.connection_errors.load();
  report.statuses = s.statuses;
  report.throughput = report.seconds > 0 ? static_cast<double>(report.created) / report.seconds : 0;
  report.intake = s.latency.Compute();
  if (report.created == 0 && report.sent == 0 && report.connection_errors > 0) {
    throw std::runtime_error("no answer from " + options.host + ":" + std::to_string(options.port) +
                             " (" + std::to_string(report.connection_errors) +
                             " connection errors); is the server running?");
  }

  if (options.end_to_end && report.created > 0) {
    report.e2e_measured = true;
    auto deadline = Clock::now() + std::chrono::duration<double>(options.e2e_timeout_s);
    for (;;) {
      std::int64_t delivered = 0, failed = 0;
      std::int64_t terminal = TerminalCount(options, delivered, failed) - terminal0;
      report.e2e_delivered = delivered - delivered0;
      report.e2e_failed = failed - failed0;
      if (terminal >= std::max(report.created, options.e2e_total)) {
        report.e2e_complete = true;
        break;
      }
      if (Clock::now() > deadline) break;
      char line[160];
      std::snprintf(line, sizeof line, "waiting for the flow: %lld of %lld orders terminal",
                    static_cast<long long>(terminal), static_cast<long long>(report.created));
      progress(line);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    report.e2e_seconds = std::chrono::duration<double>(Clock::now() - s.start).count();
    report.e2e_throughput =
        static_cast<double>(report.e2e_delivered + report.e2e_failed) / report.e2e_seconds;
    report.e2e = SampleEndToEnd(options);
  }
  return report;
}

std::int64_t LoadReport::Failed() const {
  std::int64_t failed = connection_errors;
  for (const auto& [code, n] : statuses) {
    if (code / 100 != 2) failed += n;
  }
  return failed;
}

std::string FormatFailures(const std::map<int, std::int64_t>& statuses,
                           std::int64_t connection_errors) {
  std::string out;
  for (const auto& [code, n] : statuses) {
    if (code / 100 == 2) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(code) + " x" + std::to_string(n);
  }
  if (connection_errors > 0) {
    if (!out.empty()) out += ", ";
    out += "connection errors x" + std::to_string(connection_errors);
  }
  return out.empty() ? "none" : out;
}

std::string FormatReport(const LoadOptions& o, const LoadReport& r) {
  char buf[2048];
  std::string statuses;
  for (const auto& [code, n] : r.statuses) {
    statuses += ' ';
    statuses += std::to_string(code);
    statuses += 'x';
    statuses += std::to_string(n);
  }
  int len = std::snprintf(
      buf, sizeof buf,
      "intake: %lld orders in %.2f s over %d connections = %.0f orders/s\n"
      "  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n"
      "  responses:%s\n"
      "  failed: %lld of %lld requests (%s)\n",
      static_cast<long long>(r.created), r.seconds, o.connections, r.throughput, r.intake.p50,
      r.intake.p90, r.intake.p99, r.intake.max, statuses.empty() ? " none" : statuses.c_str(),
      static_cast<long long>(r.Failed()), static_cast<long long>(r.sent + r.connection_errors),
      FormatFailures(r.statuses, r.connection_errors).c_str());
  std::string out(buf, static_cast<std::size_t>(len));
  if (r.e2e_measured) {
    len = std::snprintf(
        buf, sizeof buf,
        "end to end: %lld delivered + %lld failed in %.2f s = %.0f orders/s%s\n"
        "  created -> delivered ms (last 500 delivered): p50 %.0f  p90 %.0f  p99 %.0f  max %.0f\n",
        static_cast<long long>(r.e2e_delivered), static_cast<long long>(r.e2e_failed),
        r.e2e_seconds, r.e2e_throughput,
        r.e2e_complete ? "" : " (timed out before all were terminal)", r.e2e.p50, r.e2e.p90,
        r.e2e.p99, r.e2e.max);
    out.append(buf, static_cast<std::size_t>(len));
  }
  return out;
}

}  // namespace orderflow::load
