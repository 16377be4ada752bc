#pragma once
// Encodings and helpers shared by the store back ends.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "domain/order.hpp"
#include "store/store.hpp"

namespace orderflow::store {

std::string EncodeItems(const std::vector<domain::OrderLine>& items);
Result<std::vector<domain::OrderLine>> DecodeItems(const std::string& text);
std::string EncodeFraudSettings(const domain::FraudSettings& settings);
domain::FraudSettings DecodeFraudSettings(const std::string& text);
// Lower-cased customer name: the "same customer" of the fraud rules and the
// customer filter of the order list.
std::string CustomerKey(const std::string& customer_name);
// A webhook's topic patterns as one column: comma-separated (patterns never
// contain commas; the API accepts topic characters only).
std::string EncodeTopics(const std::vector<std::string>& topics);
std::vector<std::string> DecodeTopics(const std::string& text);
// The integer a webhook delivery's state is stored as (0, 1, 2).
WebhookDeliveryState WebhookStateFromCode(std::int64_t code);
// kNotFound with the message "<what> not found".
Error NotFound(const std::string& what);

// `events.handled`: the steps that handled an event inside the unit that
// emitted it (step chaining), comma-separated, instead of delivery rows.
std::string AddHandled(const std::string& handled, const std::string& step);
bool IsHandledBy(const std::string& handled, const std::string& step);
// Those steps as done deliveries: one attempt, at the event's time (the
// unit that wrote the event handled them).
void AppendHandledDeliveries(const Event& event, const std::string& handled,
                             std::vector<Delivery>& out);
// Escapes LIKE wildcards so user text matches literally (ESCAPE '\').
std::string LikeEscape(const std::string& text);

}  // namespace orderflow::store
