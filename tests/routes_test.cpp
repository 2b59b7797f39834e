// The path grammar (net/routes.hpp): what this tries to break is the label a
// request is counted under (paths no route serves included: their labels were
// fixed before the table existed and dashboards read them), the route it
// reaches on each listener, the order of checks between an unknown event, 404
// and 405, how deep an event id is checked, and the Allow list.
#include <doctest/doctest.h>

#include <ostream> // before Beast: doctest only declares it
#include <string>
#include <string_view>
#include <vector>

#include "net/routes.hpp"

using namespace holdfast;
namespace http = boost::beast::http;

namespace {

std::vector<std::string_view> split(std::string_view target) {
  std::vector<std::string_view> parts;
  while (!target.empty()) {
    target.remove_prefix(1); // every case starts with '/'
    const auto slash = target.find('/');
    if (slash != 0 && !target.empty()) parts.push_back(target.substr(0, slash));
    target = slash == std::string_view::npos ? std::string_view{} : target.substr(slash);
  }
  return parts;
}

route_match match(http::verb method, std::string_view target, listener on = listener::public_api) {
  const auto path = split(target);
  return match_route(path, method, on);
}

} // namespace

TEST_CASE("every path has the label /metrics always gave it, served or not") {
  struct labelled {
    http::verb method;
    const char* target;
    const char* label;
  };
  const auto get = http::verb::get, post = http::verb::post, put = http::verb::put;
  for (const auto& c : std::vector<labelled>{
           {get, "/", "web"},
           {post, "/", "web"},
           {get, "/web", "web"},
           {get, "/web/a/b.js", "web"},
           {get, "/webx", "other"},
           {get, "/nope", "other"},
           {get, "/healthz/x", "health"},
           {get, "/metrics", "metrics"},
           {get, "/v1", "other"},
           {get, "/v1/nope", "other"},
           {get, "/v1/openapi.json/x", "openapi"},
           {get, "/v1/users/1", "users"},
           {get, "/v1/holds", "hold_delete"},
           {put, "/v1/admin", "admin"},
           {get, "/v1/admin/anything/at/all", "admin"},
           {post, "/v1/live-tickets", "live"},
           {get, "/v1/orders", "orders_get"},
           {http::verb::head, "/v1/orders", "orders_get"},
           {put, "/v1/orders", "orders_get"},
           {post, "/v1/orders", "orders_post"},
           {post, "/v1/orders/5", "orders_post"},
           {get, "/v1/payments", "payments"},
           {get, "/v1/waitlist/x/y", "waitlist"},
           {get, "/v1/events", "events"},
           {get, "/v1/events/abc", "event"},
           {get, "/v1/events/1/nope", "other"},
           {get, "/v1/events/1/2/3", "other"},
           {get, "/v1/events/1/seatmap/x", "seatmap"},
           {post, "/v1/events/1/holds", "holds"},
           {get, "/v1/events/1/live/x", "live"},
           {get, "/v1/events/1/queue/nope", "queue"},
           {post, "/v1/events/1/waitlist", "waitlist"},
       }) {
    INFO(c.target);
    // Labels do not depend on the listener: the admin one counts the same way.
    CHECK(std::string(route_name(match(c.method, c.target).label)) == c.label);
    CHECK(match(c.method, c.target, listener::admin).label == match(c.method, c.target).label);
  }
}

TEST_CASE("a path reaches its route on its own listener only") {
  auto m = match(http::verb::get, "/v1/events/7/queue/status");
  CHECK(m.what == endpoint::queue_status);
  CHECK(m.event == event_id{7});
  CHECK(match(http::verb::head, "/web/app.js").what == endpoint::web_file);
  CHECK(match(http::verb::head, "/web/app.js").id == "app.js");
  CHECK(match(http::verb::delete_, "/v1/holds/42").id == "42");
  CHECK(match(http::verb::patch, "/v1/events/1/live").what == endpoint::live_socket);
  CHECK(match(http::verb::get, "/healthz", listener::admin).what == endpoint::health);
  CHECK(match(http::verb::get, "/healthz").what == endpoint::health);
  CHECK_FALSE(match(http::verb::get, "/metrics").path_served());
  CHECK(match(http::verb::get, "/metrics", listener::admin).what == endpoint::metrics);
  CHECK_FALSE(match(http::verb::get, "/v1/events", listener::admin).path_served());
  CHECK_FALSE(match(http::verb::put, "/v1/admin/events/2/queue").path_served());
  m = match(http::verb::put, "/v1/admin/events/2/queue", listener::admin);
  CHECK(m.what == endpoint::admin_queue);
  CHECK(m.event == event_id{2});
}

TEST_CASE("a wrong method is a 405 with every method the path takes") {
  auto m = match(http::verb::put, "/v1/orders");
  CHECK(m.path_served());
  CHECK(m.what == endpoint::none);
  CHECK(allowed_methods(m) == "GET, POST");
  CHECK(allowed_methods(match(http::verb::get, "/v1/users")) == "POST");
  CHECK(allowed_methods(match(http::verb::get, "/v1/holds/1")) == "DELETE");
}

TEST_CASE("an id that names no event answers first, as deep as a route reaches") {
  for (const char* target :
       {"/v1/events/abc", "/v1/events/0", "/v1/events/4294967296", "/v1/events/x/seatmap",
        "/v1/events/x/nope", "/v1/events/x/seatmap/y"}) {
    INFO(target);
    CHECK(match(http::verb::delete_, target).event_unknown);
  }
  CHECK(match(http::verb::get, "/v1/events/4294967295").event == event_id{4294967295u});
  // Deeper than any route: no route's, and its id is not read.
  CHECK_FALSE(match(http::verb::get, "/v1/events/x/a/b/c").event_unknown);
  // On the admin listener the event is no route of its own: only the knob's
  // own path checks it.
  CHECK(match(http::verb::get, "/v1/admin/events/x/queue", listener::admin).event_unknown);
  CHECK_FALSE(match(http::verb::put, "/v1/admin/events/x/nope", listener::admin).event_unknown);
}
