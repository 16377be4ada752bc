#include "http/handlers/idempotency.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

#include "common/ids.hpp"
#include "common/sealed_text.hpp"
#include "domain/order_request.hpp"
#include "http/handlers/api.hpp"

namespace orderflow::http::handlers {
namespace {

// Binds a sealed body to the request it answered and its status, which are
// stored beside it in the clear.
std::string SealAad(const std::string& request_hash, int status) {
  return request_hash + "|" + std::to_string(status);
}

// A claimed key has no response yet.
constexpr int kInProgress = 0;

struct Claim {
  std::string scope;
  std::string key;
  std::string hash;
  TimeMs at = 0;
  std::atomic<bool> committed{false};  // the unit that claimed the key is durable
};

// Forwards to the real store; its first write unit claims the key before
// running the handler's own writes, so both commit or neither does.
class ClaimingStore final : public store::Store {
 public:
  ClaimingStore(store::Store& inner, std::shared_ptr<Claim> claim)
      : inner_(inner), claim_(std::move(claim)) {}

  void Write(WriteFn fn, DoneFn done) override {
    if (used_.exchange(true)) return inner_.Write(std::move(fn), std::move(done));
    inner_.Write(
        [claim = claim_, fn = std::move(fn)](store::WriteTx& tx) -> Status {
          OF_ASSIGN_OR_RETURN(auto existing, tx.GetIdempotency(claim->scope, claim->key));
          if (existing) {
            // Another server (or an older request) got there first.
            return MakeError(ErrorCode::kConflict,
                             existing->request_hash != claim->hash
                                 ? "Idempotency-Key was already used with a different request"
                                 : "a request with this Idempotency-Key is in progress or done; "
                                   "repeat it to get its response",
                             "Idempotency-Key");
          }
          Status claimed = tx.PutIdempotency(claim->scope, claim->key,
                                             {claim->hash, kInProgress, std::string(), claim->at});
          if (!claimed.ok() && claimed.code() == ErrorCode::kConflict) {
            // Claimed by another server since the read above.
            return MakeError(ErrorCode::kConflict,
                             "a request with this Idempotency-Key is in progress or done; "
                             "repeat it to get its response",
                             "Idempotency-Key");
          }
          if (!claimed.ok()) return claimed;
          return fn(tx);
        },
        [claim = claim_, done = std::move(done)](Status s) {
          if (s.ok()) claim->committed = true;
          done(std::move(s));
        });
  }
  Status Read(const ReadFn& fn) override { return inner_.Read(fn); }
  using store::Store::ClaimDueDeliveries;
  Result<std::vector<store::Delivery>> ClaimDueDeliveries(
      TimeMs now, int limit, TimeMs lease_ms, const std::vector<store::ClaimSkip>& skip) override {
    return inner_.ClaimDueDeliveries(now, limit, lease_ms, skip);
  }
  void ReleaseClaims(const std::vector<store::Delivery>& deliveries) override {
    inner_.ReleaseClaims(deliveries);
  }
  Status Ping() override { return inner_.Ping(); }
  Status CheckWrites() override { return inner_.CheckWrites(); }
  const char* Backend() const override { return inner_.Backend(); }
  void SetCommitListener(std::function<void()> /*listener*/) override {}
  store::StatementCounts statement_counts() const override { return inner_.statement_counts(); }

 private:
  store::Store& inner_;
  std::shared_ptr<Claim> claim_;
  std::atomic<bool> used_{false};
};

// Replays a finished record, or answers why it cannot.
void Replay(Respond& respond, const store::IdempotencyRecord& existing, const std::string& hash,
            const std::string& seal_key) {
  if (existing.request_hash != hash) {
    return RespondError(
        respond,
        MakeError(ErrorCode::kConflict, "Idempotency-Key was already used with a different request",
                  "Idempotency-Key"));
  }
  if (existing.status_code == kInProgress) {
    // Claimed by another server sharing the database, or by a run that
    // crashed between its effect and its answer.
    Response r = ErrorResponse(MakeError(ErrorCode::kConflict,
                                         "a request with this Idempotency-Key is in progress; "
                                         "repeat it later to get its response",
                                         "Idempotency-Key"));
    r.headers.emplace_back("Retry-After", "1");
    return respond(std::move(r));
  }
  // Bodies recorded before sealing existed are replayed as stored.
  if (!IsSealedText(existing.body)) {
    return respond(JsonResponse(existing.status_code, existing.body));
  }
  auto body =
      OpenSealedText(seal_key, existing.body, SealAad(existing.request_hash, existing.status_code));
  if (!body) {
    return RespondError(respond,
                        MakeError(ErrorCode::kConflict,
                                  "the response recorded for this Idempotency-Key cannot be read "
                                  "back (it was altered); retry with a new Idempotency-Key",
                                  "Idempotency-Key"));
  }
  respond(JsonResponse(existing.status_code, std::move(*body)));
}

}  // namespace

void InFlightKeys::Enter(const std::string& key, std::function<void()> start) {
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = held_.try_emplace(key);
    if (!inserted) {
      it->second.push_back(std::move(start));
      return;
    }
  }
  start();
}

void InFlightKeys::Leave(const std::string& key) {
  std::function<void()> next;
  {
    std::lock_guard lock(mu_);
    auto it = held_.find(key);
    if (it == held_.end()) return;
    if (it->second.empty()) {
      held_.erase(it);
      return;
    }
    next = std::move(it->second.front());
    it->second.pop_front();
  }
  next();
}

std::shared_ptr<store::Store> UnitStore(Services& services, const Request& request) {
  if (request.unit_store) return request.unit_store;
  // Not owned: services outlive every request.
  return std::shared_ptr<store::Store>(&services.store, [](store::Store*) {});
}

Handler Idempotent(Services& services, Handler inner) {
  return [&services, inner = std::move(inner)](Request& request, Respond respond) {
    std::string key(request.Header("idempotency-key"));
    if (key.empty()) return inner(request, std::move(respond));
    if (key.size() > 200 || !domain::ValidateText(key, "Idempotency-Key", 200, true).ok()) {
      return RespondError(respond, MakeError(ErrorCode::kValidation,
                                             "Idempotency-Key must be 1-200 printable characters",
                                             "Idempotency-Key"));
    }
    std::string scope = "auth:" + Sha256Hex(std::string(request.Header("authorization")) + "|" +
                                            std::string(request.Header("x-store-id")))
                                      .substr(0, 24);
    std::string hash = Sha256Hex(request.method + " " + request.path + "\n" + request.body);
    // The recorded body may carry a new API key or webhook secret, so it is
    // sealed under a key only a caller presenting the same credential can
    // derive again; the database alone cannot give it back.
    std::string seal_key = DeriveSealKey(request.Header("authorization"),
                                         "orderflow-idempotency-v1|" + scope + "|" + key);
    // The request outlives this call only through this copy.
    auto held = std::make_shared<Request>(request);
    std::shared_ptr<InFlightKeys> in_flight = services.in_flight_keys;
    std::string turn = scope + "\n" + key;
    // The turn ends after the answer, which is after its record committed,
    // so the next request with this key finds it.
    Respond finish = [in_flight, turn, respond = std::move(respond)](Response r) mutable {
      respond(std::move(r));
      in_flight->Leave(turn);
    };
    auto run = [&services, &inner, held, finish, scope, key, hash, seal_key]() mutable {
      std::optional<store::IdempotencyRecord> existing;
      Status read = services.store.Read([&](store::ReadTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(existing, tx.GetIdempotency(scope, key));
        return OkStatus();
      });
      if (!read.ok()) return RespondError(finish, read.error());
      if (existing) return Replay(finish, *existing, hash, seal_key);

      auto claim = std::make_shared<Claim>();
      claim->scope = scope;
      claim->key = key;
      claim->hash = hash;
      claim->at = services.clock.NowMs();
      held->unit_store = std::make_shared<ClaimingStore>(services.store, claim);
      Respond record = [&services, finish = std::move(finish), claim,
                        seal_key](Response r) mutable {
        const bool claimed = claim->committed.load();
        // Unclaimed server errors changed nothing: the client may retry.
        if (r.stream || (!claimed && r.status >= 500)) return finish(std::move(r));
        auto shared = std::make_shared<Response>(std::move(r));
        store::IdempotencyRecord rec{claim->hash, shared->status, {}, claim->at};
        try {
          rec.body = SealText(seal_key, shared->body, SealAad(claim->hash, shared->status));
        } catch (const std::exception& e) {
          // Not recording only costs the replay (a claimed key then answers
          // 409); recording in the clear could leak a secret.
          spdlog::error("cannot seal the response of an idempotent request: {}", e.what());
          return finish(std::move(*shared));
        }
        services.store.Write(
            [claim, claimed, rec = std::move(rec)](store::WriteTx& tx) {
              // A request that failed before its effect (4xx) claimed
              // nothing: its answer is recorded on its own.
              if (claimed) return tx.CompleteIdempotency(claim->scope, claim->key, rec);
              return tx.PutIdempotency(claim->scope, claim->key, rec);
            },
            [finish = std::move(finish), shared](const Status& s) mutable {
              if (!s.ok() && s.code() != ErrorCode::kConflict) {
                spdlog::warn("cannot record the response of an idempotent request: {}",
                             s.error().message);
              }
              finish(std::move(*shared));
            });
      };
      inner(*held, std::move(record));
    };
    in_flight->Enter(turn, [&services, run = std::move(run)]() mutable {
      services.blocking.Post(std::move(run));
    });
  };
}

}  // namespace orderflow::http::handlers
