// docs/openapi.json against the real binary: the served document is the
// checked-in one, and every documented operation, called with the
// document's own examples (path parameters, request body) as admin on store
// X, reaches a handler (never the router's 404 or a 405) and answers one of
// the statuses the document lists for it.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(ORDERFLOW_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

class OpenApiContractTest : public SharedServerTest<OpenApiContractTest> {
 protected:
  static const json::object& Component(const json::value& doc, const json::object& maybe_ref,
                                       const char* section) {
    if (const json::value* ref = maybe_ref.if_contains("$ref")) {
      std::string name(ref->as_string());
      return doc.at("components").at(section).at(name.substr(name.rfind('/') + 1)).as_object();
    }
    return maybe_ref;
  }

  // The path with each {name} replaced by its parameter's example.
  static std::string FillPath(const json::value& doc, const std::string& templ,
                              const json::object& op) {
    std::string path = templ;
    if (const json::value* params = op.if_contains("parameters")) {
      for (const auto& p : params->as_array()) {
        const json::object& param = Component(doc, p.as_object(), "parameters");
        if (param.at("in").as_string() != "path") continue;
        std::string placeholder = "{" + std::string(param.at("name").as_string()) + "}";
        std::string example(param.at("example").as_string());
        auto at = path.find(placeholder);
        if (at != std::string::npos) path.replace(at, placeholder.size(), example);
      }
    }
    return path;
  }
};

TEST_F(OpenApiContractTest, ServedDocumentIsTheCheckedInOne) {
  HttpClient client(server_->port());
  HttpResult served = client.Get("/api/openapi.json");
  ASSERT_EQ(served.status, 200) << served.body;
  EXPECT_EQ(served.headers["content-type"], "application/json");
  EXPECT_EQ(json::parse(served.body), json::parse(ReadSourceFile("docs/openapi.json")));
}

TEST_F(OpenApiContractTest, EveryDocumentedOperationAnswersADocumentedStatus) {
  json::value doc = json::parse(ReadSourceFile("docs/openapi.json"));
  HttpClient client(server_->port());
  HttpClient::Headers headers = {{"Authorization", "Bearer " + server_->admin_token()},
                                 {"X-Store-ID", "X"}};
  int called = 0;
  for (const auto& [templ, item] : doc.at("paths").as_object()) {
    for (const auto& [method_key, op_value] : item.as_object()) {
      const json::object& op = op_value.as_object();
      std::string method = Upper(std::string(method_key));
      std::string path = FillPath(doc, std::string(templ), op);
      std::string where = method + " " + path + " (" + std::string(templ) + ")";
      std::set<int> documented;
      bool streams = false;
      for (const auto& [status, response] : op.at("responses").as_object()) {
        documented.insert(std::stoi(std::string(status)));
        const json::object& r = Component(doc, response.as_object(), "responses");
        if (const json::value* content = r.if_contains("content")) {
          streams = streams || content->as_object().contains("text/event-stream");
        }
      }

      int status = 0;
      std::string body;
      if (streams) {
        // The stream never ends: read the response head only.
        std::string raw = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const auto& [name, value] : headers) raw += name + ": " + value + "\r\n";
        std::string head = client.RawExchange(raw + "\r\n", "\r\n\r\n");
        if (head.rfind("HTTP/1.1 ", 0) == 0) status = std::stoi(head.substr(9, 3));
      } else {
        if (const json::value* request_body = op.if_contains("requestBody")) {
          const json::value& example =
              request_body->at("content").at("application/json").at("example");
          body = json::serialize(example);
        }
        HttpClient::Headers with_type = headers;
        if (!body.empty()) with_type.emplace_back("Content-Type", "application/json");
        HttpResult result = client.Request(method, path, body, with_type);
        status = result.status;
        body = result.body;
      }
      ++called;
      ASSERT_NE(status, 0) << where << ": no response";
      EXPECT_NE(status, 405) << where << ": " << body;
      if (status == 404) {
        EXPECT_NE(json::parse(body).at("error").at("message").as_string(), "no such route")
            << where << " is documented but not routed";
      }
      EXPECT_TRUE(documented.count(status))
          << where << " answered " << status << ", which the document does not list: " << body;
    }
  }
  EXPECT_GT(called, 20);
}

}  // namespace
}  // namespace orderflow::testing
