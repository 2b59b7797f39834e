// The OpenAPI document the node serves (compiled in from net/openapi.json):
// every operation has a unique operationId and declared tags, so generated
// clients get stable method names; every public /v1 operation declares the 429
// every /v1 request can get from the rate limits, with its Retry-After header.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <boost/json.hpp>

namespace holdfast {
const char* openapi_document(); // generated from net/openapi.json at build time
}

namespace json = boost::json;

TEST_CASE("openapi: operationIds are unique, tags declared, 429 with Retry-After on /v1") {
  const json::value doc = json::parse(holdfast::openapi_document());
  std::set<std::string> declared_tags;
  for (const auto& t : doc.at("tags").as_array())
    declared_tags.insert(std::string(t.at("name").as_string()));
  CHECK(declared_tags.size() >= 5);

  const auto& responses = doc.at("components").at("responses").as_object();
  REQUIRE(responses.contains("TooManyRequests"));
  CHECK(responses.at("TooManyRequests").at("headers").as_object().contains("Retry-After"));

  std::set<std::string> ids;
  size_t operations = 0;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op_value] : item.as_object()) {
      if (method != "get" && method != "post" && method != "put" && method != "delete" &&
          method != "patch")
        continue;
      ++operations;
      const auto& op = op_value.as_object();
      const std::string where = std::string(method) + " " + std::string(path);
      REQUIRE_MESSAGE(op.contains("operationId"), where);
      const std::string id(op.at("operationId").as_string());
      CHECK_MESSAGE(ids.insert(id).second, where << ": operationId " << id << " used twice");
      REQUIRE_MESSAGE(op.contains("tags"), where);
      CHECK_MESSAGE(!op.at("tags").as_array().empty(), where);
      for (const auto& t : op.at("tags").as_array())
        CHECK_MESSAGE(declared_tags.count(std::string(t.as_string())) == 1,
                      where << ": tag " << t << " is not declared");
      const std::string_view p(path);
      if (p.starts_with("/v1/") && !p.starts_with("/v1/admin/")) {
        const auto& answers = op.at("responses").as_object();
        REQUIRE_MESSAGE(answers.contains("429"), where << " does not declare 429");
        CHECK_MESSAGE(answers.at("429").at("$ref").as_string() ==
                          "#/components/responses/TooManyRequests",
                      where);
      }
    }
  }
  CHECK(operations >= 20);
}
