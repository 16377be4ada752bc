// orderflow-payment-gateway: a stand-alone payment service for demos and
// tests, speaking the protocol of payment::HttpGateway. Decisions come from
// the simulated gateway (tok_chargeDeclined, tok_processingError, random
// declines); charges are remembered by idempotency key for the process's life.

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <thread>

#include "common/json.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "payment/simulated_gateway.hpp"

namespace json = boost::json;
using orderflow::http::Request;
using orderflow::http::Respond;

namespace {

orderflow::Result<json::object> Body(const Request& request) {
  std::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (ec || !v.is_object()) {
    return orderflow::MakeError(orderflow::ErrorCode::kInvalidJson, "body must be a JSON object");
  }
  const auto* key = v.get_object().if_contains("idempotencyKey");
  if (key == nullptr || !key->is_string() || key->get_string().empty()) {
    return orderflow::MakeError(orderflow::ErrorCode::kValidation, "idempotencyKey is required",
                                "idempotencyKey");
  }
  return v.get_object();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Demo payment service for OrderFlow (--payment-gateway http://HOST:PORT)"};
  std::string listen = "127.0.0.1:9090";
  double decline_rate = 0;
  double fail_rate = 0;
  app.add_option("--listen", listen, "HOST:PORT")->capture_default_str();
  app.add_option("--decline-rate", decline_rate, "Fraction of charges declined at random")
      ->capture_default_str();
  app.add_option("--fail-rate", fail_rate,
                 "Fraction of requests answered 503 (to exercise retries)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "orderflow-payment-gateway: --listen must be HOST:PORT\n");
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  orderflow::payment::SimulatedGateway gateway(decline_rate);
  std::mt19937_64 rng{std::random_device{}()};
  std::mutex rng_mu;
  auto unlucky = [&] {
    std::lock_guard lock(rng_mu);
    return fail_rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng) < fail_rate;
  };
  orderflow::http::Router router;
  router.Add("GET", "/healthz", [](Request&, Respond respond) {
    respond(orderflow::http::JsonResponse(200, R"({"status":"ok"})"));
  });
  router.Add("POST", "/api/charges", [&](Request& request, Respond respond) {
    if (unlucky()) return respond(orderflow::http::JsonResponse(503, R"({"error":"try again"})"));
    auto body = Body(request);
    if (!body.ok()) return respond(orderflow::http::ErrorResponse(body.error()));
    orderflow::payment::ChargeRequest charge;
    charge.idempotency_key = std::string(body->at("idempotencyKey").as_string());
    if (const auto* t = body->if_contains("token"); t && t->is_string())
      charge.token = std::string(t->get_string());
    if (const auto* a = body->if_contains("amountCents"); a && a->is_int64())
      charge.amount_cents = a->get_int64();
    auto result = gateway.Charge(charge);
    if (!result.ok())
      return respond(orderflow::http::JsonResponse(503, R"({"error":"processing error"})"));
    bool approved = result->outcome == orderflow::payment::ChargeOutcome::kApproved;
    respond(orderflow::http::JsonResponse(
        200, orderflow::ToJson(json::object{{"status", approved ? "approved" : "declined"},
                                            {"transactionId", result->transaction_id},
                                            {"reason", result->decline_reason}})));
  });
  router.Add("POST", "/api/refunds", [&](Request& request, Respond respond) {
    if (unlucky()) return respond(orderflow::http::JsonResponse(503, R"({"error":"try again"})"));
    auto body = Body(request);
    if (!body.ok()) return respond(orderflow::http::ErrorResponse(body.error()));
    auto result = gateway.Refund(std::string(body->at("idempotencyKey").as_string()), 0);
    if (!result.ok())
      return respond(orderflow::http::JsonResponse(503, R"({"error":"processing error"})"));
    respond(orderflow::http::JsonResponse(
        200, orderflow::ToJson(
                 json::object{{"refunded", result->refunded}, {"refundId", result->refund_id}})));
  });
  router.Add("GET", "/api/stats", [&](Request&, Respond respond) {
    respond(orderflow::http::JsonResponse(
        200, orderflow::ToJson(json::object{{"captured", gateway.captured()},
                                            {"refunded", gateway.refunded()},
                                            {"calls", gateway.calls()}})));
  });

  orderflow::http::ServerConfig config;
  config.host = listen.substr(0, colon);
  config.port = static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)));
  config.threads = 1;
  std::unique_ptr<orderflow::http::Server> server;
  try {
    server = std::make_unique<orderflow::http::Server>(config, router);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orderflow-payment-gateway: %s\n", e.what());
    return 2;
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server->Stop();
  });
  std::printf("listening on http://%s:%u\n", config.host.c_str(), server->port());
  std::fflush(stdout);
  server->Run();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}
