// The node's seams, unit by unit: live-socket tickets (single use, expiry,
// bounds), trusted proxies (who the client is behind them), access-log
// redaction of credentials, and the CAF remoting exposure rule.
#include <doctest/doctest.h>

#include <string>

#include <boost/beast/http/fields.hpp>

#include "node/node_config.hpp"
#include "core/limits.hpp"
#include "net/access_log.hpp"
#include "net/live_tickets.hpp"
#include "net/trusted_proxies.hpp"

namespace holdfast {

TEST_CASE("live_tickets: a ticket opens one socket, within its time, for its user") {
  live_tickets t;
  REQUIRE(t.issue("a", {7, "qt"}, 1'000) == live_tickets::refusal::none);
  REQUIRE(t.issue("b", {8, ""}, 1'000) == live_tickets::refusal::none);
  auto first = t.redeem("a", 1'500);
  REQUIRE(first);
  CHECK(first->user == 7);
  CHECK(first->queue_token == "qt");
  CHECK_FALSE(t.redeem("a", 1'600)); // used up
  CHECK_FALSE(t.redeem("nope", 1'600));
  CHECK_FALSE(t.redeem("b", 1'000 + limits::live_ticket_ttl_ms)); // expired, and gone
  CHECK(t.outstanding() == 0);
}

TEST_CASE("live_tickets: bounded per user and per node; expired tickets make room") {
  live_tickets t;
  for (uint32_t i = 0; i < limits::live_tickets_per_user_max; ++i)
    REQUIRE(t.issue("u" + std::to_string(i), {1, ""}, 0) == live_tickets::refusal::none);
  CHECK(t.issue("one-more", {1, ""}, 0) == live_tickets::refusal::user_limit);
  CHECK(t.issue("other", {2, ""}, 0) == live_tickets::refusal::none); // others unaffected
  REQUIRE(t.redeem("u0", 1));
  CHECK(t.issue("again", {1, ""}, 2) == live_tickets::refusal::none); // a redeemed one frees a slot
  // After the TTL, the user's unused tickets no longer count.
  CHECK(t.issue("later", {1, ""}, limits::live_ticket_ttl_ms + 3) == live_tickets::refusal::none);
  CHECK(t.outstanding() <= 2);

  live_tickets full;
  uint32_t users = 0;
  for (; users < limits::live_tickets_max; ++users)
    REQUIRE(full.issue(std::to_string(users), {users + 1, ""}, 0) == live_tickets::refusal::none);
  CHECK(full.issue("x", {users + 1, ""}, 0) == live_tickets::refusal::full);
  CHECK(full.issue("x", {users + 1, ""}, limits::live_ticket_ttl_ms) == live_tickets::refusal::none);
  CHECK(full.outstanding() == 1);
}

namespace {
std::string client(const trusted_proxies& p, const std::string& peer,
                   std::initializer_list<std::pair<const char*, const char*>> fields) {
  boost::beast::http::fields f;
  for (const auto& [name, value] : fields)
    f.insert(name, value);
  return p.client_of(peer, f);
}
} // namespace

TEST_CASE("trusted_proxies: the client is the right-most address no trusted proxy owns") {
  trusted_proxies none;
  REQUIRE(trusted_proxies::parse("", none).ok);
  CHECK(client(none, "127.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}}) == "127.0.0.1");

  trusted_proxies p;
  REQUIRE(trusted_proxies::parse(" 127.0.0.1, 10.0.0.0/8 ,fd00::/8", p).ok);
  CHECK(p.trusts("10.1.2.3"));
  CHECK(p.trusts("127.0.0.1"));
  CHECK_FALSE(p.trusts("127.0.0.2"));
  CHECK(p.trusts("fd12::1"));
  CHECK_FALSE(p.trusts("fe80::1"));
  CHECK_FALSE(p.trusts("11.0.0.1"));
  // An untrusted peer's header is ignored: a client cannot pick its own address.
  CHECK(client(p, "198.51.100.7", {{"X-Forwarded-For", "203.0.113.9"}}) == "198.51.100.7");
  // Through the proxy: the address it names.
  CHECK(client(p, "127.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}}) == "203.0.113.9");
  // A client's own forged entry sits left of the real one and is never reached.
  CHECK(client(p, "127.0.0.1", {{"X-Forwarded-For", "1.2.3.4, 203.0.113.9, 10.0.0.5"}}) ==
        "203.0.113.9");
  CHECK(client(p, "127.0.0.1", {{"X-Forwarded-For", "1.2.3.4"}, {"X-Forwarded-For", "203.0.113.9"}}) ==
        "203.0.113.9");
  // Forwarded (RFC 7239), with ports, quotes and IPv6.
  CHECK(client(p, "127.0.0.1", {{"Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"}}) ==
        "192.0.2.60");
  CHECK(client(p, "127.0.0.1", {{"Forwarded", "for=1.1.1.1, For=\"[2001:db8:cafe::17]:4711\""}}) ==
        "2001:db8:cafe::17");
  CHECK(client(p, "127.0.0.1", {{"Forwarded", "for=192.0.2.60:8080"}}) == "192.0.2.60");
  // Unreadable hops stop the walk at the last trusted one.
  CHECK(client(p, "127.0.0.1", {{"X-Forwarded-For", "unknown"}}) == "127.0.0.1");
  CHECK(client(p, "127.0.0.1", {{"X-Forwarded-For", "203.0.113.9, garbage, 10.0.0.5"}}) ==
        "10.0.0.5");
  CHECK(client(p, "127.0.0.1", {{"Forwarded", "for=_hidden"}}) == "127.0.0.1");
  // Every hop trusted: the left-most.
  CHECK(client(p, "127.0.0.1", {{"X-Forwarded-For", "10.0.0.9, 10.0.0.5"}}) == "10.0.0.9");
  // No header from a trusted peer: the peer.
  CHECK(client(p, "10.0.0.5", {}) == "10.0.0.5");

  trusted_proxies bad;
  CHECK_FALSE(trusted_proxies::parse("10.0.0.0/33", bad).ok);
  CHECK_FALSE(trusted_proxies::parse("example.com", bad).ok);
  CHECK_FALSE(trusted_proxies::parse("10.0.0.0/x", bad).ok);
  CHECK_FALSE(trusted_proxies::parse("::/129", bad).ok);
}

TEST_CASE("access log: credential-like query values are redacted") {
  CHECK(redact_target("/v1/events") == "/v1/events");
  CHECK(redact_target("/v1/events?city=Berlin") == "/v1/events?city=Berlin");
  CHECK(redact_target("/v1/events/1/live?token=abc.def&x=1") ==
        "/v1/events/1/live?token=REDACTED&x=1");
  CHECK(redact_target("/v1/events/2/live?ticket=00ff&queueToken=q.r") ==
        "/v1/events/2/live?ticket=REDACTED&queueToken=REDACTED");
  CHECK(redact_target("/x?api_key=1&Password=2&AUTH=3&flag") ==
        "/x?api_key=REDACTED&Password=REDACTED&AUTH=REDACTED&flag");
  CHECK(redact_target("/x?") == "/x?");
}

TEST_CASE("node config: CAF remoting off loopback needs mutual TLS or an explicit insecure flag") {
  node_config c;
  CHECK(check_caf_exposure(c).ok);      // 127.0.0.1 by default
  c.http_host = "0.0.0.0";              // the public port alone does not expose CAF
  CHECK(check_caf_exposure(c).ok);
  for (const char* host : {"localhost", "::1", "127.0.0.5"}) {
    c.caf_host = host;
    CHECK(check_caf_exposure(c).ok);
  }
  for (const char* host : {"0.0.0.0", "::", "192.0.2.2", ""}) {
    CAPTURE(host);
    c.caf_host = host;
    CHECK_FALSE(check_caf_exposure(c).ok);
  }
  c.caf_host = "0.0.0.0";
  c.caf_tls_cert = "node.pem";
  CHECK(check_caf_exposure(c).message.find("go together") != std::string::npos); // half a TLS setup
  c.caf_tls_key = "node.key";
  c.caf_tls_ca = "ca.pem";
  CHECK(check_caf_exposure(c).ok);
  c = node_config{};
  c.caf_host = "0.0.0.0";
  c.caf_insecure = true;
  CHECK(check_caf_exposure(c).ok);
}

} // namespace holdfast
