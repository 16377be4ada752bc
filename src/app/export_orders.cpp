// `orderflow export`: every order of a store (or of all stores) as CSV or
// JSON lines, newest first, streamed in keyset pages of 500 through the
// Store read API, so memory stays flat whatever the size of the history.
// It opens the database read-only and without the server's process lock
// (it never creates or migrates one), so it runs beside a serving process;
// each page is its own snapshot, and orders created during the export
// (newer than its first page) are not in it.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/commands.hpp"
#include "app/csv_field.hpp"
#include "app/open_store.hpp"
#include "common/json.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::app {
namespace {

constexpr int kPageSize = 500;
constexpr std::int64_t kProgressEvery = 50'000;

constexpr const char* kCsvColumns[] = {
    "orderId",       "storeId",       "createdAt",         "updatedAt",
    "status",        "paymentStatus", "fulfillmentStatus", "customerName",
    "customerEmail", "items",         "totalAmount",       "totalCents",
    "currency",      "failureReason", "trackingNumber",    "carrier"};
// totalAmount and totalCents: numbers we format, never escaped as text.
constexpr bool kNumberColumns[] = {false, false, false, false, false, false, false, false,
                                   false, false, true,  true,  false, false, false, false};
static_assert(std::size(kNumberColumns) == std::size(kCsvColumns));

std::string CsvHeader() {
  std::string line;
  for (const char* column : kCsvColumns) {
    if (!line.empty()) line += ',';
    line += column;
  }
  return line + "\r\n";
}

std::string CsvRow(const domain::Order& o) {
  std::string items;
  for (const auto& l : o.items) {
    if (!items.empty()) items += "; ";
    items += std::to_string(l.quantity) + " x " + l.product_name;
  }
  const std::string fields[] = {o.order_id,
                                o.store_id,
                                FormatIso8601(o.created_at),
                                FormatIso8601(o.updated_at),
                                std::string(domain::ToString(o.status)),
                                o.payment_status,
                                o.fulfillment_status,
                                o.customer_name,
                                o.customer_email,
                                items,
                                domain::FormatCents(o.total),
                                std::to_string(o.total),
                                o.currency,
                                o.failure_reason,
                                o.tracking_number,
                                o.carrier};
  std::string line;
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    if (i > 0) line += ',';
    AppendCsvField(line, fields[i], kNumberColumns[i] ? CsvKind::kNumber : CsvKind::kText);
  }
  return line + "\r\n";
}

int Fail(const std::string& message) {
  std::cerr << "orderflow export: " << message << std::endl;
  return 2;
}

}  // namespace

int ExportCommand(const Config& config, const ExportOptions& options) {
  if (options.format != "csv" && options.format != "jsonl") {
    return Fail("--format must be csv or jsonl");
  }
  store::OrderFilter base;
  if (!options.status.empty()) {
    base.status = domain::ParseOrderStatus(options.status);
    if (!base.status) return Fail("--status: unknown status '" + options.status + "'");
  }
  TimeMs t = 0;
  if (!options.from.empty()) {
    if (!ParseTime(options.from, t)) return Fail("--from: not an ISO 8601 time: " + options.from);
    base.from = t;
  }
  if (!options.to.empty()) {
    if (!ParseTime(options.to, t)) return Fail("--to: not an ISO 8601 time: " + options.to);
    base.to = t;
  }
  base.limit = kPageSize;

  OpenOptions open_options;
  open_options.read_only = true;
  auto opened = OpenDatabase(config, open_options);
  if (!opened.ok()) return Fail(opened.error().message);
  store::Store& db = **opened;

  std::vector<std::string> store_ids;
  if (!options.store_id.empty()) {
    store_ids.push_back(options.store_id);
  }
  Status listed = db.Read([&](store::ReadTx& tx) -> Status {
    if (!store_ids.empty()) {
      auto found = tx.GetStore(store_ids.front());
      if (!found.ok()) return MakeError(found.code(), "no store '" + store_ids.front() + "'");
      return OkStatus();
    }
    OF_ASSIGN_OR_RETURN(auto stores, tx.ListStores());
    for (const auto& s : stores) store_ids.push_back(s.store_id);
    return OkStatus();
  });
  if (!listed.ok()) return Fail(listed.error().message);

  std::ofstream file;
  if (!options.output.empty() && options.output != "-") {
    file.open(options.output, std::ios::binary | std::ios::trunc);
    if (!file) return Fail("cannot write " + options.output);
  }
  std::ostream& out = file.is_open() ? static_cast<std::ostream&>(file) : std::cout;
  const bool csv = options.format == "csv";
  if (csv) out << CsvHeader();

  std::int64_t rows = 0;
  auto start = std::chrono::steady_clock::now();
  std::string chunk;
  for (const auto& store_id : store_ids) {
    store::OrderFilter filter = base;
    filter.store_id = store_id;
    for (;;) {
      store::OrderPage page;
      Status read = db.Read([&](store::ReadTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(page, tx.ListOrders(filter));
        return OkStatus();
      });
      if (!read.ok()) return Fail(read.error().message);
      chunk.clear();
      for (const auto& o : page.items) {
        if (csv) {
          chunk += CsvRow(o);
        } else {
          chunk += ToJson(http::handlers::OrderJson(o, false));
          chunk += '\n';
        }
        if (++rows % kProgressEvery == 0) {
          double secs =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::fprintf(stderr, "exported %lld orders (%.0f/s)\n", static_cast<long long>(rows),
                       static_cast<double>(rows) / std::max(secs, 1e-9));
        }
      }
      out << chunk;
      if (!out) return Fail("write failed");
      if (!page.next_seq) break;
      filter.before_seq = *page.next_seq;
    }
  }
  out.flush();
  if (!out) return Fail("write failed");
  std::fprintf(stderr, "exported %lld orders\n", static_cast<long long>(rows));
  return 0;
}

}  // namespace orderflow::app
