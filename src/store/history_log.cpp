#include "store/history_log.hpp"

#include <boost/json.hpp>
#include <unordered_map>

namespace orderflow::store {
namespace {

std::string OrderKey(const std::string& store_id, const std::string& order_id) {
  return store_id + '\n' + order_id;
}

}  // namespace

std::vector<PendingHistory> PlaceHistory(std::vector<PendingHistory> pending,
                                         const std::vector<HistorySlot>& slots) {
  // Per order: its slots in emit order and how far its entries got. A unit
  // of `orderflow seed` carries thousands of orders, so no scan per entry.
  struct OrderSlots {
    std::vector<std::size_t> slots;
    std::size_t next = 0;   // first slot of `slots` still usable
    bool overflow = false;  // an entry went to a row of its own
  };
  std::unordered_map<std::string, OrderSlots> orders;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Event& e = *slots[i].event;
    if (e.order_id.empty()) continue;
    orders[OrderKey(e.store_id, e.order_id)].slots.push_back(i);
  }
  std::vector<PendingHistory> own;
  for (PendingHistory& p : pending) {
    auto it = orders.find(OrderKey(p.store_id, p.order_id));
    bool placed = false;
    if (it != orders.end() && !it->second.overflow) {
      OrderSlots& o = it->second;
      while (o.next < o.slots.size()) {
        const HistorySlot& slot = slots[o.slots[o.next++]];
        if (slot.ordinal < p.events_before || slot.history->has_value()) continue;
        *slot.history = p.entry;
        placed = true;
        break;
      }
      if (!placed) o.overflow = true;
    }
    if (!placed) own.push_back(std::move(p));
  }
  return own;
}

Event HistoryOnlyEvent(const PendingHistory& p) {
  Event e;
  e.store_id = p.store_id;
  e.order_id = p.order_id;
  e.topic = std::string(kHistoryTopic);
  e.payload = boost::json::serialize(boost::json::object{{"orderId", p.order_id}});
  e.created_at = e.due_at = p.entry.at;
  return e;
}

void AppendPendingHistory(const std::vector<PendingHistory>& pending, const std::string& store_id,
                          const std::string& order_id, std::vector<domain::HistoryEntry>& history) {
  for (const PendingHistory& p : pending) {
    if (p.order_id == order_id && p.store_id == store_id) history.push_back(p.entry);
  }
}

}  // namespace orderflow::store
