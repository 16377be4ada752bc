// GET /api/openapi.json: the API contract (docs/openapi.json, embedded at
// build time so that the binary alone serves it). No auth: it holds no data.

#include "http/handlers/api.hpp"

namespace orderflow::http::handlers {

void RegisterOpenApiRoutes(Router& router) {
  router.Add("GET", "/api/openapi.json", [](Request&, Respond respond) {
    Response response = JsonResponse(200, std::string(OpenApiDocument()));
    response.headers.emplace_back("Cache-Control", "public, max-age=300");
    respond(std::move(response));
  });
}

}  // namespace orderflow::http::handlers
