#pragma once
// The event the engine tests with a hand-made flow start from: a
// "test.ping" emitted by their "test-api" step (see TestFlow in
// engine_test.cpp).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "support/engine_harness.hpp"

namespace orderflow::testing {

// Emits a test.ping of `store_id`, due now, in a unit of its own; its event
// id (0 after a reported failure).
inline std::int64_t EmitTestPing(EngineHarness& h, const std::string& store_id) {
  std::int64_t id = 0;
  const TimeMs now = h.clock().NowMs();
  Status s = store::WriteSync(h.store(), [&](store::WriteTx& tx) -> Status {
    store::Event e;
    e.store_id = store_id;
    e.topic = "test.ping";
    e.payload = R"({"n":1})";
    e.created_at = e.due_at = now;
    OF_ASSIGN_OR_RETURN(id, h.flow().Emit(tx, "test-api", e));
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.error().message;
  return id;
}

}  // namespace orderflow::testing
