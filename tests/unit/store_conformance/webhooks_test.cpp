// Store conformance, webhooks role: endpoints, their topics, outcomes and
// auto-disable, deliveries and their attempt log, on every back end
// (fixture.hpp).

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class WebhooksConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(WebhooksConformance, StoreFactories);

// --- webhooks --------------------------------------------------------------

Webhook MakeWebhook(const std::string& store_id, const std::string& id, TimeMs created_at) {
  Webhook w;
  w.webhook_id = id;
  w.store_id = store_id;
  w.url = "http://127.0.0.1:9/hook/" + id;
  w.topics = {"order.*", "payment.failed"};
  w.description = "endpoint " + id;
  w.secret = "whsec_" + id;
  w.created_at = created_at;
  return w;
}

WebhookAttempt MakeAttempt(const std::string& store_id, std::int64_t delivery_id, int status,
                           WebhookDeliveryState outcome, TimeMs at) {
  WebhookAttempt a;
  a.store_id = store_id;
  a.delivery_id = delivery_id;
  a.status_code = status;
  a.error = status >= 300 ? "endpoint answered " + std::to_string(status) : "";
  a.duration_ms = 12;
  a.at = at;
  a.outcome = outcome;
  return a;
}

// The fanout filter's view of the endpoints follows every change this
// process makes, including a rolled-back one (the cache must not keep it).
TYPED_TEST(WebhooksConformance, EnabledWebhookTopicsFollowChanges) {
  Store& s = this->store();
  auto topics = [&](const std::string& store_id) {
    std::vector<std::vector<std::string>> out;
    Status st = WriteSync(s, [&](WriteTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(out, tx.EnabledWebhookTopics(store_id));
      return OkStatus();
    });
    EXPECT_TRUE(st.ok());
    return out;
  };
  using Topics = std::vector<std::vector<std::string>>;
  EXPECT_EQ(topics("A"), Topics{});
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  EXPECT_EQ(topics("A"), (Topics{{"order.*", "payment.failed"}}));
  EXPECT_EQ(topics("B"), Topics{});
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.SetWebhookEnabled("A", "wh_1", false, "paused");
              }).ok());
  EXPECT_EQ(topics("A"), Topics{});
  // Enabled and read back inside a unit that then fails: nothing changed.
  Status failed = WriteSync(s, [](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(tx.SetWebhookEnabled("A", "wh_1", true, ""));
    OF_ASSIGN_OR_RETURN(auto inside, tx.EnabledWebhookTopics("A"));
    EXPECT_EQ(inside.size(), 1u);
    return MakeError(ErrorCode::kConflict, "the unit fails after reading");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kConflict);
  EXPECT_EQ(topics("A"), Topics{});
  // Disabled by repeated failures.
  ASSERT_TRUE(
      WriteSync(s, [](WriteTx& tx) { return tx.SetWebhookEnabled("A", "wh_1", true, ""); }).ok());
  EXPECT_EQ(topics("A").size(), 1u);
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) -> Status {
                auto after = tx.RecordWebhookOutcome("A", "wh_1", false, 1, kNow);
                if (!after.ok()) return after.error();
                return OkStatus();
              }).ok());
  EXPECT_EQ(topics("A"), Topics{});
}

TYPED_TEST(WebhooksConformance, WebhooksRoundTripAndStayInTheirStore) {
  Store& s = this->store();
  for (const auto& w : {MakeWebhook("A", "wh_2", kNow + 2), MakeWebhook("A", "wh_1", kNow + 1),
                        MakeWebhook("B", "wh_b", kNow)}) {
    ASSERT_TRUE(WriteSync(s, [&](WriteTx& tx) { return tx.InsertWebhook(w); }).ok());
  }
  Status dup =
      WriteSync(s, [](WriteTx& tx) { return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow)); });
  EXPECT_EQ(dup.code(), ErrorCode::kConflict);

  auto got = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->store_id, "A");
  EXPECT_EQ(got->url, "http://127.0.0.1:9/hook/wh_1");
  EXPECT_EQ(got->topics, (std::vector<std::string>{"order.*", "payment.failed"}));
  EXPECT_EQ(got->description, "endpoint wh_1");
  EXPECT_EQ(got->secret, "whsec_wh_1");
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->consecutive_failures, 0);
  EXPECT_EQ(got->last_delivery_at, 0);
  EXPECT_EQ(got->created_at, kNow + 1);

  auto list = ReadValue(s, [](ReadTx& tx) { return tx.ListWebhooks("A"); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].webhook_id, "wh_1");  // oldest first
  EXPECT_EQ((*list)[1].webhook_id, "wh_2");
  EXPECT_EQ(ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("B", "wh_1"); }).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadValue(s, [](ReadTx& tx) { return tx.ListWebhooks("C"); })->size(), 0u);
  EXPECT_EQ(WriteSync(s, [](WriteTx& tx) { return tx.DeleteWebhook("B", "wh_1"); }).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(WriteSync(s, [](WriteTx& tx) { return tx.SetWebhookEnabled("B", "wh_1", false, "x"); })
                .code(),
            ErrorCode::kNotFound);
}

TYPED_TEST(WebhooksConformance, WebhookSecretsAreSealedAtRest) {
  Store& s = this->store();
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE 'enc1:%'"), 1);
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE '%whsec_wh_1%'"), 0);
  auto got = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->secret, "whsec_wh_1");
  auto listed = ReadValue(s, [](ReadTx& tx) { return tx.ListWebhooks("A"); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].secret, "whsec_wh_1");
  // Survives a reopen under the same key.
  this->Reopen();
  got = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->secret, "whsec_wh_1");
}

TYPED_TEST(WebhooksConformance, WebhookOutcomesCountFailuresInARowAndDisable) {
  Store& s = this->store();
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  auto outcome = [&](bool success, int disable_after, TimeMs at) {
    return WriteValue(s, [&](WriteTx& tx) {
      return tx.RecordWebhookOutcome("A", "wh_1", success, disable_after, at);
    });
  };
  auto after = outcome(false, 3, kNow + 1);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->consecutive_failures, 1);
  EXPECT_EQ(after->last_delivery_at, kNow + 1);
  after = outcome(true, 3, kNow + 2);
  EXPECT_EQ(after->consecutive_failures, 0);  // a success resets the count
  EXPECT_TRUE(after->enabled);
  after = outcome(false, 3, kNow + 3);
  after = outcome(false, 3, kNow + 4);
  EXPECT_EQ(after->consecutive_failures, 2);
  EXPECT_TRUE(after->enabled);
  after = outcome(false, 3, kNow + 5);
  EXPECT_EQ(after->consecutive_failures, 3);
  EXPECT_FALSE(after->enabled);
  EXPECT_NE(after->disabled_reason.find("3 consecutive"), std::string::npos)
      << after->disabled_reason;
  after = outcome(false, 3, kNow + 6);
  EXPECT_EQ(after->consecutive_failures, 4);
  EXPECT_NE(after->disabled_reason.find("3 consecutive"), std::string::npos);

  ASSERT_TRUE(
      WriteSync(s, [](WriteTx& tx) { return tx.SetWebhookEnabled("A", "wh_1", true, ""); }).ok());
  auto enabled = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  EXPECT_TRUE(enabled->enabled);
  EXPECT_EQ(enabled->consecutive_failures, 0);
  EXPECT_EQ(enabled->disabled_reason, "");
  // disable_after 0: never disabled.
  for (int i = 0; i < 5; ++i) after = outcome(false, 0, kNow + 10 + i);
  EXPECT_TRUE(after->enabled);
  EXPECT_EQ(after->consecutive_failures, 5);
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.SetWebhookEnabled("A", "wh_1", false, "paused by the store");
              }).ok());
  auto paused = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  EXPECT_FALSE(paused->enabled);
  EXPECT_EQ(paused->disabled_reason, "paused by the store");
  EXPECT_EQ(
      WriteValue(s, [](WriteTx& tx) { return tx.RecordWebhookOutcome("B", "wh_1", true, 3, kNow); })
          .code(),
      ErrorCode::kNotFound);
}

TYPED_TEST(WebhooksConformance, WebhookDeliveriesLogEveryAttemptAndPageNewestFirst) {
  Store& s = this->store();
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  const Event e = MakeEvent("A", OrderId(1), "order.created", kNow);
  auto event_id = WriteValue(s, [&](WriteTx& tx) { return tx.InsertEvent(e, {}); });
  ASSERT_TRUE(event_id.ok());
  auto event = ReadValue(s, [&](ReadTx& tx) { return tx.GetEvent("A", *event_id); });
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->topic, "order.created");
  EXPECT_EQ(event->payload, e.payload);
  EXPECT_EQ(event->created_at, kNow);
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetEvent("B", *event_id); }).code(),
            ErrorCode::kNotFound);

  WebhookDelivery d;
  d.webhook_id = "wh_1";
  d.store_id = "A";
  d.event_id = *event_id;
  d.topic = "order.created";
  d.created_at = kNow;
  auto id = WriteValue(s, [&](WriteTx& tx) { return tx.InsertWebhookDelivery(d); });
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(WriteValue(s, [&](WriteTx& tx) { return tx.InsertWebhookDelivery(d); }).code(),
            ErrorCode::kConflict);
  // Still pending: nothing to redeliver yet.
  EXPECT_EQ(
      WriteSync(s, [&](WriteTx& tx) { return tx.RequeueWebhookDelivery("A", "wh_1", *id, kNow); })
          .code(),
      ErrorCode::kConflict);

  const std::vector<std::pair<int, WebhookDeliveryState>> attempts = {
      {500, WebhookDeliveryState::kPending},
      {0, WebhookDeliveryState::kPending},
      {200, WebhookDeliveryState::kSucceeded}};
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    WebhookAttempt a =
        MakeAttempt("A", *id, attempts[i].first, attempts[i].second, kNow + 100 * (i + 1));
    auto number = WriteValue(s, [&](WriteTx& tx) { return tx.RecordWebhookAttempt(a); });
    ASSERT_TRUE(number.ok()) << number.error().message;
    EXPECT_EQ(*number, static_cast<int>(i) + 1);
  }
  // Finished: no more attempts; other stores do not see it.
  EXPECT_EQ(WriteValue(s,
                       [&](WriteTx& tx) {
                         return tx.RecordWebhookAttempt(
                             MakeAttempt("A", *id, 200, WebhookDeliveryState::kSucceeded, kNow));
                       })
                .code(),
            ErrorCode::kConflict);
  EXPECT_EQ(WriteValue(s,
                       [&](WriteTx& tx) {
                         return tx.RecordWebhookAttempt(
                             MakeAttempt("B", *id, 200, WebhookDeliveryState::kSucceeded, kNow));
                       })
                .code(),
            ErrorCode::kNotFound);
  auto stored = ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, WebhookDeliveryState::kSucceeded);
  EXPECT_EQ(stored->attempts, 3);
  EXPECT_EQ(stored->last_status, 200);
  EXPECT_EQ(stored->event_id, *event_id);
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("B", *id); }).code(),
            ErrorCode::kNotFound);

  auto page = ReadValue(s, [](ReadTx& tx) { return tx.ListWebhookAttempts("A", "wh_1", 0, 2); });
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].attempt, 3);
  EXPECT_EQ(page->items[0].status_code, 200);
  EXPECT_EQ(page->items[0].outcome, WebhookDeliveryState::kSucceeded);
  EXPECT_EQ(page->items[0].event_id, *event_id);
  EXPECT_EQ(page->items[0].topic, "order.created");
  EXPECT_EQ(page->items[0].duration_ms, 12);
  EXPECT_EQ(page->items[0].at, kNow + 300);
  EXPECT_EQ(page->items[1].attempt, 2);
  EXPECT_EQ(page->items[1].status_code, 0);
  ASSERT_TRUE(page->next_attempt_id.has_value());
  auto rest = ReadValue(s, [&](ReadTx& tx) {
    return tx.ListWebhookAttempts("A", "wh_1", *page->next_attempt_id, 2);
  });
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].attempt, 1);
  EXPECT_EQ(rest->items[0].error, "endpoint answered 500");
  EXPECT_EQ(rest->items[0].outcome, WebhookDeliveryState::kPending);
  EXPECT_FALSE(rest->next_attempt_id.has_value());
  EXPECT_TRUE(ReadValue(s, [](ReadTx& tx) {
                return tx.ListWebhookAttempts("B", "wh_1", 0, 10);
              })->items.empty());

  // Manual redelivery: pending again, and the log numbering continues.
  EXPECT_EQ(
      WriteSync(s,
                [&](WriteTx& tx) { return tx.RequeueWebhookDelivery("A", "wh_other", *id, kNow); })
          .code(),
      ErrorCode::kNotFound);
  EXPECT_EQ(
      WriteSync(s, [&](WriteTx& tx) { return tx.RequeueWebhookDelivery("B", "wh_1", *id, kNow); })
          .code(),
      ErrorCode::kNotFound);
  ASSERT_TRUE(WriteSync(s, [&](WriteTx& tx) {
                return tx.RequeueWebhookDelivery("A", "wh_1", *id, kNow + 1000);
              }).ok());
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); })->state,
            WebhookDeliveryState::kPending);
  auto fourth = WriteValue(s, [&](WriteTx& tx) {
    return tx.RecordWebhookAttempt(
        MakeAttempt("A", *id, 410, WebhookDeliveryState::kFailed, kNow + 1000));
  });
  EXPECT_EQ(*fourth, 4);
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); })->state,
            WebhookDeliveryState::kFailed);

  // Deleting the endpoint deletes its deliveries and their log.
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) { return tx.DeleteWebhook("A", "wh_1"); }).ok());
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); }).code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(ReadValue(s, [](ReadTx& tx) {
                return tx.ListWebhookAttempts("A", "wh_1", 0, 10);
              })->items.empty());
  EXPECT_EQ(WriteSync(s, [](WriteTx& tx) { return tx.DeleteWebhook("A", "wh_1"); }).code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace orderflow::store::conformance
