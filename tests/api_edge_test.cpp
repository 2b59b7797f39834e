// API test of the node's edge and seams, over real sockets, trying what an
// attacker with one loopback client and no account would try:
//   - the chunked request whose last chunk arrives in a read of its own (it
//     used to abort the node), smuggling framings, 32 MiB of chunk extension or
//     trailer: each refused at its header with 400/411 and a close, the node
//     answering and its memory flat;
//   - the public port serves neither /metrics nor /v1/admin; the admin listener
//     serves nothing else, admin routes need the token, metrics too if asked;
//   - CAF remoting is never reachable off loopback without TLS: with the public
//     port on 0.0.0.0 its port stays on 127.0.0.1, a non-loopback caf_host does
//     not start without mutual TLS or caf_insecure, and with TLS a plain client
//     hears nothing;
//   - data files are 0600 and the data directory 0700;
//   - sign-up costs a proof of work and is rate-limited per client IP, which
//     trusted proxies name through X-Forwarded-For (and nobody else can);
//   - live sockets authenticate with single-use tickets, never a token in the
//     URL, and the access log redacts credentials.
#include <doctest/doctest.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include "tests/api_test_fixture.hpp"
#include "tests/api_test_util.hpp"
#include "tests/http_client.hpp"

namespace {

using namespace holdfast::test;
namespace json = boost::json;
namespace fs = std::filesystem;
using verb = boost::beast::http::verb;
using namespace std::chrono_literals;

const std::string small_venue =
    "[demo]\nload = true\nsections = 4\nseats = 80\nga_capacity = 10\nroom = false\n";

// The resident set of process `pid`, in KiB (0 when unreadable).
long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// An IPv4 address of this machine that is not loopback, or "" when it has none.
std::string non_loopback_address() {
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0) return {};
  std::string out;
  for (auto* a = all; a != nullptr && out.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    if (std::string_view(text).rfind("127.", 0) != 0) out = text;
  }
  freeifaddrs(all);
  return out;
}

// The CAF port a node announced ("CAF remoting on HOST:PORT").
uint16_t caf_port_of(const std::string& log) {
  const std::string marker = "CAF remoting on ";
  const auto at = log.rfind(marker);
  if (at == std::string::npos) return 0;
  const auto colon = log.find(':', at + marker.size());
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::atoi(log.c_str() + colon + 1));
}

// What a TCP client at host:port hears within `wait` without saying anything:
// "refused" when it cannot connect, else the number of bytes as text.
std::string unprompted_bytes(const std::string& host, uint16_t port, std::chrono::milliseconds wait) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address(host), port}, ec);
  if (ec) return "refused";
  size_t got = 0;
  char buf[512];
  std::optional<boost::system::error_code> done;
  s.async_read_some(boost::asio::buffer(buf), [&](boost::system::error_code e, size_t n) {
    got = n;
    done = e;
  });
  io.run_for(wait);
  if (!done) {
    s.cancel(ec);
    io.restart();
    io.run();
  }
  return std::to_string(got);
}

bool run(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

// A CA and a node certificate it signs, made with the openssl command.
struct test_pki {
  fs::path dir;
  bool ok = false;
  explicit test_pki(const std::string& name) {
    dir = fs::temp_directory_path() / ("holdfast-pki-" + name + "-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const std::string d = dir.string();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    ok = run("openssl req -x509" + ec + " -keyout " + d + "/ca.key -out " + d +
             "/ca.pem -days 2 -subj /CN=holdfast-test-ca") &&
         run("openssl req" + ec + " -keyout " + d + "/node.key -out " + d +
             "/node.csr -subj /CN=node") &&
         run("openssl x509 -req -in " + d + "/node.csr -CA " + d + "/ca.pem -CAkey " + d +
             "/ca.key -CAcreateserial -out " + d + "/node.pem -days 2");
  }
  ~test_pki() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string conf() const {
    const std::string d = dir.string();
    return "caf_tls_cert = " + d + "/node.pem\ncaf_tls_key = " + d + "/node.key\ncaf_tls_ca = " +
           d + "/ca.pem\n";
  }
};

} // namespace

TEST_CASE("edge: the chunked request that aborted the node gets 411, and the node answers on") {
  const uint16_t port = node_port();
  raw_connection conn(port);
  REQUIRE(conn.connected());
  // The final chunk in reads of its own (the pauses make separate reads likely;
  // the unit test request_reader_test splits at every byte deterministically).
  conn.send("POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n0\r\n");
  std::this_thread::sleep_for(100ms);
  conn.send("\r");
  std::this_thread::sleep_for(100ms);
  conn.send("\n");
  auto r = conn.read_response(5s);
  CHECK_ERROR(r, 411, "length_required");
  CHECK(conn.wait_closed(5s));
  CHECK(node_healthy(port));
}

TEST_CASE("edge: smuggling framings get 400 (or 411 for plain chunked) and a close; the body "
          "is never read as a second request") {
  const uint16_t port = node_port();
  const std::string head = "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  const std::string body = "5\r\n{\"a\":\r\n0\r\n\r\nGET /v1/events HTTP/1.1\r\nHost: x\r\n\r\n";
  struct framing {
    const char* fields;
    int status;
    const char* code;
  };
  for (const auto& f : {framing{"Transfer-Encoding: chunked\r\n", 411, "length_required"},
                        framing{"Transfer-Encoding: gzip\r\n", 400, "bad_framing"},
                        framing{"Transfer-Encoding: chunked, identity\r\n", 400, "bad_framing"},
                        framing{"Transfer-Encoding: xchunked\r\n", 400, "bad_framing"},
                        framing{"Transfer-Encoding: identity\r\n", 400, "bad_framing"},
                        framing{"Transfer-Encoding: chunked\r\nContent-Length: 20\r\n", 400,
                                "bad_framing"},
                        framing{"Content-Length: 20\r\nTransfer-Encoding: chunked\r\n", 400,
                                "bad_framing"},
                        framing{"Content-Length: 5\r\nContent-Length: 50\r\n", 400, "bad_framing"}}) {
    CAPTURE(f.fields);
    raw_connection conn(port);
    REQUIRE(conn.connected());
    conn.send(head + f.fields + "\r\n" + body);
    auto r = conn.read_response(5s);
    CHECK_ERROR(r, f.status, f.code);
    CHECK(r.field("connection") == "close");
    CHECK(conn.wait_closed(5s)); // and no answer to the smuggled GET before the close
  }
  CHECK(node_healthy(port));
}

TEST_CASE("edge: 32 MiB of chunk extension or trailer is refused at the header; memory stays flat") {
  extra_node node("api-edge-flood", small_venue);
  const uint16_t port = node.port();
  REQUIRE(node_healthy(port));
  const long rss_before = rss_kib(node.pid());
  const std::string head = "POST /v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& start : {std::string("1;ext="), std::string("0\r\nX-Trailer: ")}) {
    raw_connection conn(port);
    REQUIRE(conn.connected());
    REQUIRE(conn.send(head + start));
    const std::string filler(256 << 10, 'e');
    size_t sent = 0;
    while (sent < (32u << 20) && conn.send(filler))
      sent += filler.size();
    // The node stopped reading at the header: the kernel's buffers take a few
    // MiB, then the writes fail.
    CHECK(sent < (32u << 20));
    CHECK(conn.wait_closed(5s));
  }
  CHECK(node_healthy(port));
  const long rss_after = rss_kib(node.pid());
  INFO("rss before " << rss_before << " KiB, after " << rss_after << " KiB");
  CHECK(rss_after - rss_before < 16 * 1024); // nowhere near the 64 MiB sent
}

TEST_CASE("admin listener: /metrics and /v1/admin only there, the token where it is required") {
  const uint16_t port = node_port();
  http_client pub(port), admin(node_admin_port());
  CHECK_ERROR(pub.get("/metrics"), 404, "not_found");
  CHECK_ERROR(pub.request(verb::put, "/v1/admin/events/2/queue", R"({"powDifficulty":1})"), 404,
              "not_found");
  auto metrics = admin.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("holdfast_http_requests_total") != std::string::npos);
  CHECK(admin.get("/healthz").status == 200);
  // The admin listener serves nothing of the public API, nor live sockets.
  CHECK_ERROR(admin.get("/v1/events"), 404, "not_found");
  CHECK_ERROR(admin.post("/v1/users", R"({"name":"x"})"), 404, "not_found");
  CHECK_ERROR(admin.get("/"), 404, "not_found");
  ws_client ws(node_admin_port(), "/v1/events/1/live");
  CHECK(ws.handshake_error() == "status 404");
  CHECK_ERROR(admin.request(verb::put, "/v1/admin/events/2/queue", R"({"powDifficulty":1})"), 401,
              "unauthorized");

  extra_node locked("api-edge-metrics-token", small_venue + "[node]\nmetrics_token = true\n");
  http_client op(locked.admin_port());
  CHECK_ERROR(op.get("/metrics"), 401, "unauthorized");
  const std::string token = [&] {
    std::ifstream in(locked.data_dir() + "/admin.token");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  CHECK_ERROR(op.get("/metrics", {{"Authorization", "Bearer wrong"}}), 401, "unauthorized");
  CHECK(op.get("/metrics", {{"Authorization", "Bearer " + token}}).status == 200);
}

TEST_CASE("CAF remoting: never reachable off loopback without mutual TLS") {
  const std::string outside = non_loopback_address();
  if (outside.empty()) {
    MESSAGE("this machine has no non-loopback IPv4 address: nothing can reach CAF from outside");
    return;
  }
  INFO("non-loopback address " << outside);
  {
    // The public port on every address: CAF stays on 127.0.0.1.
    extra_node open_http("api-edge-caf-default", small_venue + "[node]\nhttp_host = 0.0.0.0\n");
    const uint16_t caf = caf_port_of(open_http.log());
    REQUIRE(caf != 0);
    CHECK(unprompted_bytes(outside, caf, 300ms) == "refused");
    CHECK(unprompted_bytes("127.0.0.1", caf, 1s) != "refused");
    CHECK(node_healthy(open_http.port()));
  }
  // A non-loopback caf_host without TLS does not start, and says why.
  try {
    extra_node exposed("api-edge-caf-exposed", small_venue + "[node]\ncaf_host = 0.0.0.0\n");
    FAIL("the node started with CAF on 0.0.0.0 and no TLS");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find("mutual TLS") != std::string::npos);
  }
  {
    // Explicitly insecure: it starts, says so loudly, and a plain client hears
    // CAF's handshake at once — the check below would notice an open port.
    extra_node insecure("api-edge-caf-insecure",
                        small_venue + "[node]\ncaf_host = 0.0.0.0\ncaf_insecure = true\n");
    CHECK(insecure.log().find("WARNING: caf_insecure") != std::string::npos);
    const uint16_t caf = caf_port_of(insecure.log());
    REQUIRE(caf != 0);
    CHECK(unprompted_bytes(outside, caf, 2s) != "0");
    CHECK(unprompted_bytes(outside, caf, 2s) != "refused");
  }
  test_pki pki("caf");
  REQUIRE_MESSAGE(pki.ok, "openssl could not make test certificates");
  {
    extra_node tls("api-edge-caf-tls", small_venue + "[node]\ncaf_host = 0.0.0.0\n" + pki.conf());
    CHECK(tls.log().find("mutual TLS") != std::string::npos);
    const uint16_t caf = caf_port_of(tls.log());
    REQUIRE(caf != 0);
    // A TLS server waits for the client's hello: no CAF handshake for a plain client.
    CHECK(unprompted_bytes(outside, caf, 1s) == "0");
    CHECK(node_healthy(tls.port()));
  }
  // Bad TLS files stop the start with a message instead of failing at the first peer.
  try {
    extra_node broken("api-edge-caf-badtls",
                      small_venue + "[node]\ncaf_host = 0.0.0.0\ncaf_tls_cert = /nonexistent\n"
                                    "caf_tls_key = /nonexistent\ncaf_tls_ca = /nonexistent\n");
    FAIL("the node started with unreadable TLS files");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()).find("caf_tls_cert") != std::string::npos);
  }
}

TEST_CASE("data directory: 0700, and every file in it 0600") {
  node_port(); // started
  const fs::path dir = node_data_dir();
  struct stat st {};
  REQUIRE(stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    REQUIRE(stat(entry.path().c_str(), &st) == 0);
    CHECK_MESSAGE((st.st_mode & 0777) == 0600, entry.path().string());
  }
  CHECK(files >= 4); // shards' databases, payments, node.secret, admin.token
}

TEST_CASE("sign-up: a proof of work per account, refused when missing, wrong or replayed") {
  extra_node node("api-edge-signup", small_venue + "[limits]\nsignup_pow_difficulty = 8\n"
                                                   "signup_per_ip_per_min = 0\n");
  http_client c(node.port());
  auto ch = c.get("/v1/users/challenge");
  REQUIRE(ch.status == 200);
  CHECK(num(ch.json(), "difficulty") == 8);
  const std::string challenge = str(ch.json(), "challenge");
  CHECK_ERROR(c.post("/v1/users", R"({"name":"Bot"})"), 403, "challenge_failed");
  std::string weak;
  for (uint64_t n = 0; weak.empty(); ++n)
    if (holdfast::work_bits(challenge, std::to_string(n)) == 0) weak = std::to_string(n);
  auto body = [&](const std::string& nonce) {
    return json::serialize(json::object{{"name", "Ada"}, {"challenge", challenge}, {"nonce", nonce}});
  };
  CHECK_ERROR(c.post("/v1/users", body(weak)), 403, "challenge_failed");
  CHECK_ERROR(c.post("/v1/users", json::serialize(json::object{
                                      {"name", "Ada"}, {"challenge", "forged.x"}, {"nonce", "0"}})),
              403, "challenge_failed");
  const std::string nonce = solve_pow(challenge, 8);
  auto made = c.post("/v1/users", body(nonce));
  CHECK_MESSAGE(made.status == 201, made.body);
  // One solution, one account.
  CHECK_ERROR(c.post("/v1/users", body(nonce)), 403, "challenge_failed");
  // A queue challenge is not a sign-up challenge (keys of their own).
  CHECK(make_user(c, "Bob").token.size() > 0);
}

TEST_CASE("sign-up: per client IP, and behind a trusted proxy per forwarded client") {
  const std::string limits = "[limits]\nsignup_pow_difficulty = 0\nsignup_per_ip_per_min = 1\n"
                             "signup_per_ip_burst = 2\n";
  {
    extra_node node("api-edge-signup-ip", small_venue + limits);
    http_client c(node.port());
    const std::string ada = R"({"name":"Ada"})";
    CHECK(c.post("/v1/users", ada).status == 201);
    CHECK(c.post("/v1/users", ada).status == 201);
    auto third = c.post("/v1/users", ada);
    CHECK_ERROR(third, 429, "rate_limited");
    CHECK(!third.field("retry-after").empty());
    // Nobody trusted: a forwarding header changes nothing.
    CHECK_ERROR(c.post("/v1/users", ada, {{"X-Forwarded-For", "203.0.113.50"}}), 429,
                "rate_limited");
  }
  {
    extra_node proxied("api-edge-signup-proxy",
                       small_venue + limits + "[node]\ntrusted_proxies = 127.0.0.1, 10.0.0.0/8\n");
    http_client c(proxied.port());
    const std::string ada = R"({"name":"Ada"})";
    auto from = [](const char* ip) { return headers{{"X-Forwarded-For", ip}}; };
    for (const char* ip : {"203.0.113.1", "203.0.113.2"}) {
      CHECK(c.post("/v1/users", ada, from(ip)).status == 201);
      CHECK(c.post("/v1/users", ada, from(ip)).status == 201);
      CHECK_ERROR(c.post("/v1/users", ada, from(ip)), 429, "rate_limited");
    }
    // A client's own entry left of the real one is not believed.
    CHECK_ERROR(c.post("/v1/users", ada, from("198.51.100.9, 203.0.113.1")), 429, "rate_limited");
    CHECK(c.post("/v1/users", ada, {{"Forwarded", "for=\"[2001:db8::7]:443\""}}).status == 201);
  }
}

TEST_CASE("live tickets: single use, never the bearer token in the URL; the log redacts") {
  extra_node node("api-edge-live", small_venue + "[node]\naccess_log = access.log\n");
  const uint16_t port = node.port();
  http_client c(port);
  const auto ada = make_user(c, "Ada");
  CHECK_ERROR(c.post("/v1/live-tickets", "{}"), 401, "unauthorized");
  CHECK_ERROR(c.post("/v1/live-tickets", R"({"queueToken":7})", ada.auth()), 400,
              "invalid_request");
  auto issued = c.post("/v1/live-tickets", "", ada.auth());
  REQUIRE(issued.status == 201);
  CHECK(num(issued.json(), "expiresInSeconds") == 30);
  const std::string ticket = str(issued.json(), "ticket");
  CHECK(ticket.size() == 32);
  {
    ws_client ws(port, "/v1/events/1/live?ticket=" + ticket);
    REQUIRE_MESSAGE(ws.handshake_error().empty(), ws.handshake_error());
    auto hello = ws.read(5s);
    REQUIRE(hello);
  }
  ws_client again(port, "/v1/events/1/live?ticket=" + ticket);
  CHECK(again.handshake_error() == "status 401");
  ws_client token_url(port, "/v1/events/1/live?token=" + ada.token);
  CHECK(token_url.handshake_error() == "status 400");
  ws_client anonymous(port, "/v1/events/1/live"); // the public seat map needs no ticket
  CHECK(anonymous.handshake_error().empty());
  // A user may hold a few unused tickets, not thousands.
  int refused = 0;
  for (int i = 0; i < 20; ++i)
    if (c.post("/v1/live-tickets", "{}", ada.auth()).status == 429) ++refused;
  CHECK(refused > 0);

  // The access log never holds a credential from a URL.
  c.get("/v1/events?token=s3cr3t-token&city=Berlin");
  const std::string log_path = node.data_dir() + "/access.log";
  std::string text;
  for (int i = 0; i < 50 && text.find("city=Berlin") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms); // the log's writer flushes every second
    std::ifstream in(log_path);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  CHECK(text.find("token=REDACTED&city=Berlin") != std::string::npos);
  CHECK(text.find("s3cr3t-token") == std::string::npos);
  CHECK(text.find(ticket) == std::string::npos);
  CHECK(text.find(ada.token) == std::string::npos);
}

TEST_CASE("seat map: a crowd asking for a changed map costs one render, not one each") {
  extra_node node("api-edge-seatmap", small_venue);
  const uint16_t port = node.port();
  http_client c(port), admin(node.admin_port());
  const auto ada = make_user(c, "Ada");
  auto renders = [&] {
    return metric_value(admin.get("/metrics").body, "holdfast_seatmap_renders_total").value_or(-1);
  };
  REQUIRE(c.get("/v1/events/1/seatmap").status == 200);
  const auto doc = c.get("/v1/events/1/seatmap").json();
  const std::string seat = str(doc.at("seats").as_array().at(0), "seatId");
  for (int round = 0; round < 3; ++round) {
    // A new version (hold, release), then the stale render ages past 250 ms.
    auto held = c.post("/v1/events/1/holds", hold_body({seat}), ada.auth());
    REQUIRE(held.status == 201);
    REQUIRE(c.del("/v1/holds/" + str(held.json(), "holdId"), ada.auth()).status == 204);
    std::this_thread::sleep_for(300ms); // past the render's freshness window
    const double before = renders();
    std::vector<std::thread> crowd;
    std::atomic<int> ok{0};
    for (int i = 0; i < 16; ++i)
      crowd.emplace_back([&] {
        http_client own(port);
        if (own.get("/v1/events/1/seatmap").status == 200) ++ok;
      });
    for (auto& t : crowd)
      t.join();
    CHECK(ok == 16);
    CHECK(renders() - before == 1);
  }
}
