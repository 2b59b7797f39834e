// Crash test: what it tries to break is "a confirmed order survives kill -9",
// "no hold outlives its deadline" and "a token issued before a restart still
// works after it". It runs a real holdfast-node process on a fresh data
// directory, drives it over HTTP with 200 concurrent clients (each its own
// user: sign up, hold two seats, pay or cancel), kills it with SIGKILL at
// seeded random moments (mid-request, mid-commit, mid-snapshot), restarts it
// with its clock jumped forward, and after every restart checks, over HTTP
// and with the users' pre-restart tokens:
//   - every order a client saw confirmed is still there, with its seats;
//   - no seat is held by a hold whose deadline has passed;
// and at the end runs holdfast-audit on the files, which also proves money and
// seats agree (every order paid exactly once, no money kept without an order).
// Every order goes through the payment saga; one in 16 pays with the
// processing-error card, whose answer is lost (202 pending), so the reconciler
// settles payments across the kills too.
//
// usage: crash-test <holdfast-node> <holdfast-audit> [kills=22] [seed=20261122]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include <boost/json.hpp>

#include "tests/http_client.hpp"
#include "tests/luhn_card.hpp"

using namespace std::chrono_literals;
namespace json = boost::json;
using holdfast::test::http_client;
using holdfast::test::http_reply;

namespace {

constexpr int clients = 200;
constexpr int64_t clock_jump_s = 200; // per restart; holds last 600 s
constexpr int64_t hold_ttl_ms = 600'000;

std::atomic<int> failures{0};
#define EXPECT(cond, ...)                                                                          \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                  \
      std::printf(__VA_ARGS__);                                                                    \
      std::printf("\n");                                                                           \
    }                                                                                              \
  } while (0)

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct node_process {
  pid_t pid = -1;
  void start(const std::string& bin, const std::string& conf, const std::string& log) {
    std::fflush(stdout); // else the child's buffered copy prints twice
    pid = fork();
    if (pid == 0) {
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      execl(bin.c_str(), bin.c_str(), conf.c_str(), nullptr);
      _exit(127);
    }
  }
  void kill9() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      pid = -1;
    }
  }
};

void write_config(const std::string& path, const std::string& data_dir, uint16_t http_port,
                  int64_t offset_s) {
  std::ofstream out(path);
  out << "[cluster]\nshards = 2\n[node]\nname = crash\nhttp_host = 127.0.0.1\nhttp_port = "
      << http_port << "\ncaf_port = " << free_port() << "\nadmin_port = 0\ndata_dir = " << data_dir
      << "\nclock_offset_s = " << offset_s
      << "\nsnapshot_records = 4000\n[demo]\nload = true\nsections = 40\nseats = 50000\n"
      << "ga_capacity = 2000\nroom = false\n"
      // 200 clients from one address, each hammering with a few users: the
      // anti-bot buckets would refuse them; durability is what is tested here.
      << "[limits]\nip_per_s = 0\nuser_per_s = 0\ndevice_per_s = 0\nhold_attempts_per_min = 0\n"
      << "signup_pow_difficulty = 0\nsignup_per_ip_per_min = 0\n";
}

struct acked_order {
  std::string token;
  std::vector<std::string> seats;
};

// What clients were told, and when they asked for which seats.
struct ledger {
  std::mutex mutex;
  std::map<std::string, acked_order> orders;             // order id -> ...
  std::map<std::string, std::set<std::string>> by_token; // token -> order ids
  std::map<std::string, int64_t> hold_requested_node_ms; // seat -> last hold request
  uint64_t holds = 0;
};

// The run's phases: clients work while `running`; the main thread kills,
// restarts and verifies in between.
struct control {
  std::mutex mutex;
  std::condition_variable changed;
  bool running = false;
  bool done = false;
  uint16_t port = 0;
  int64_t offset_ms = 0;
  uint64_t generation = 0;
};

std::string seat_label(std::mt19937_64& rng) {
  // A tenth of picks aim at a hot block (section 101, rows A-H), so clients collide.
  const bool hot = rng() % 10 == 0;
  const int section = hot ? 101 : (rng() % 2 ? 101 : 201) + static_cast<int>(rng() % 20);
  const char row = static_cast<char>('A' + rng() % (hot ? 8 : 25));
  const int number = 1 + static_cast<int>(rng() % 50);
  return std::to_string(section) + "-" + row + "-" + std::to_string(number);
}

// One simulated fan: a user of its own, one request in flight at a time.
void client_loop(int index, uint64_t seed, control& ctl, ledger& l) {
  std::mt19937_64 rng(seed + static_cast<uint64_t>(index));
  std::string token;
  int orders = 0;
  for (;;) {
    uint16_t port;
    int64_t offset_ms;
    uint64_t generation;
    {
      std::unique_lock<std::mutex> lock{ctl.mutex};
      ctl.changed.wait(lock, [&] { return ctl.running || ctl.done; });
      if (ctl.done) return;
      port = ctl.port, offset_ms = ctl.offset_ms, generation = ctl.generation;
    }
    http_client http{port};
    auto still_this_round = [&] {
      std::lock_guard<std::mutex> lock{ctl.mutex};
      return ctl.running && ctl.generation == generation;
    };
    while (still_this_round()) {
      if (token.empty() || orders == 3) { // stay under the per-user seat cap
        auto r = http.post("/v1/users", R"({"name":"fan-)" + std::to_string(index) + "\"}");
        if (r.status != 201) break;
        token = std::string(r.json().at("token").as_string());
        orders = 0;
      }
      const holdfast::test::headers auth{{"Authorization", "Bearer " + token}};
      std::string a = seat_label(rng), b = seat_label(rng);
      if (a == b) continue;
      {
        std::lock_guard<std::mutex> lock{l.mutex};
        l.hold_requested_node_ms[a] = l.hold_requested_node_ms[b] = wall_ms() + offset_ms;
      }
      auto held =
          http.post("/v1/events/1/holds", R"({"seats":[")" + a + R"(",")" + b + R"("]})", auth);
      if (held.status == 0) break; // the node is gone
      if (held.status != 201) continue;
      const std::string hold_id(held.json().at("holdId").as_string());
      {
        std::lock_guard<std::mutex> lock{l.mutex};
        ++l.holds;
      }
      if (rng() % 10 >= 3) { // 30% buy, 70% let go: seats churn for 22 rounds
        if (http.del("/v1/holds/" + hold_id, auth).status == 0) break;
        continue;
      }
      // The processing-error card now and then; else this account's own card
      // (one card for every fan would meet the per-card seat cap).
      const std::string card = rng() % 16 == 0
                                   ? "4000000000000119"
                                   : holdfast::test::luhn_card(std::hash<std::string>{}(token));
      auto order = http.post(
          "/v1/orders", R"({"holdId":")" + hold_id + R"(","payment":{"card":")" + card + "\"}}",
          {auth[0], {"Idempotency-Key", hold_id}});
      if (order.status == 0) break;
      if (order.status != 201) continue;
      std::lock_guard<std::mutex> lock{l.mutex};
      const std::string id(order.json().at("orderId").as_string());
      l.orders[id] = acked_order{token, {a, b}};
      l.by_token[token].insert(id);
      ++orders;
    }
    // Wait for the next round (the node was killed).
    std::unique_lock<std::mutex> lock{ctl.mutex};
    ctl.changed.wait(lock, [&] { return ctl.done || ctl.generation != generation; });
  }
}

bool wait_healthy(uint16_t port) {
  for (int attempt = 0; attempt < 300; ++attempt) {
    if (holdfast::test::node_healthy(port)) return true;
    std::this_thread::sleep_for(50ms); // waiting for a process to start, not for a result
  }
  return false;
}

// Every acknowledged order is still there, fetched with its user's old token.
void verify_orders(uint16_t port, ledger& l, const std::set<std::string>& tokens) {
  std::vector<std::string> list(tokens.begin(), tokens.end());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    http_client http{port};
    for (size_t k; (k = next++) < list.size();) {
      auto r = http.get("/v1/orders", {{"Authorization", "Bearer " + list[k]}});
      EXPECT(r.status == 200, "GET /v1/orders with a pre-restart token: %d %s", r.status,
             r.body.substr(0, 120).c_str());
      if (r.status != 200) continue;
      std::map<std::string, std::vector<std::string>> server;
      const json::value doc = r.json();
      EXPECT(doc.is_object(), "orders body is not JSON: %s", r.body.substr(0, 120).c_str());
      if (!doc.is_object()) continue;
      for (const auto& o : doc.at("orders").as_array()) {
        std::vector<std::string> seats;
        for (const auto& s : o.at("seats").as_array())
          seats.emplace_back(s.as_string());
        server[std::string(o.at("orderId").as_string())] = seats;
      }
      std::lock_guard<std::mutex> lock{l.mutex};
      for (const auto& id : l.by_token[list[k]]) {
        auto it = server.find(id);
        EXPECT(it != server.end(), "acknowledged order %s is lost", id.c_str());
        if (it != server.end())
          EXPECT(it->second == l.orders[id].seats, "order %s changed its seats", id.c_str());
      }
    }
  };
  std::vector<std::thread> workers;
  for (int w = 0; w < 8; ++w)
    workers.emplace_back(worker);
  for (auto& w : workers)
    w.join();
}

// No seat is held unless some hold on it was requested within a hold's lifetime.
uint32_t held_seats(uint16_t port, ledger& l, int64_t node_now_ms, uint32_t* stale) {
  http_client http{port};
  auto r = http.get("/v1/events/1/seatmap");
  EXPECT(r.status == 200, "seatmap: %d", r.status);
  if (r.status != 200) return 0;
  uint32_t held = 0;
  const json::value doc = r.json();
  EXPECT(doc.is_object(), "seatmap body is not JSON (%zu bytes): %s", r.body.size(),
         r.body.substr(0, 120).c_str());
  if (!doc.is_object()) return 0;
  std::lock_guard<std::mutex> lock{l.mutex};
  for (const auto& s : doc.at("seats").as_array()) {
    if (s.at("status").as_string() != "held") continue;
    ++held;
    auto it = l.hold_requested_node_ms.find(std::string(s.at("seatId").as_string()));
    if (it == l.hold_requested_node_ms.end() || it->second + hold_ttl_ms < node_now_ms - 2000)
      ++*stale;
  }
  return held;
}

} // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string_view{argv[1]} == "--help" || std::string_view{argv[1]} == "-h")) {
    std::printf(
        "usage: crash-test <holdfast-node> <holdfast-audit> [kills] [seed]\n"
        "Kills a real node with SIGKILL `kills` times under load and checks what survives.\n");
    return 0;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: crash-test <holdfast-node> <holdfast-audit> [kills] [seed]\n");
    return 2;
  }
  const std::string node_bin = argv[1], audit_bin = argv[2];
  const int kills = argc > 3 ? std::atoi(argv[3]) : 22;
  const uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 20261122;
  std::printf("crash-test: seed %lu, %d kills, %d HTTP clients\n", (unsigned long)seed, kills,
              clients);
  auto dir =
      std::filesystem::temp_directory_path() / ("holdfast-crash-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string data_dir = (dir / "data").string(), conf = (dir / "node.conf").string(),
                    log = (dir / "node.log").string();

  std::mt19937_64 rng(seed);
  ledger l;
  control ctl;
  std::vector<std::thread> fans;
  for (int c = 0; c < clients; ++c)
    fans.emplace_back(client_loop, c, seed, std::ref(ctl), std::ref(l));
  node_process node;
  std::set<std::string> checked_tokens;
  for (int round = 0; round <= kills; ++round) {
    const bool final_round = round == kills; // rounds 0..kills-1 each end in a kill
    // The last restart is an hour past every deadline: no hold may survive it.
    const int64_t offset_s =
        final_round ? (kills + 10) * clock_jump_s + 3600 : round * clock_jump_s;
    const uint16_t port = free_port();
    write_config(conf, data_dir, port, offset_s);
    node.start(node_bin, conf, log);
    if (!wait_healthy(port)) {
      std::printf("FAIL: node did not come up in round %d; log in %s\n", round, log.c_str());
      ++failures;
      break;
    }
    // Every token with orders, old ones included: tokens outlive restarts.
    std::set<std::string> tokens;
    {
      std::lock_guard<std::mutex> lock{l.mutex};
      for (const auto& [token, ids] : l.by_token)
        tokens.insert(token);
    }
    verify_orders(port, l, tokens);
    uint32_t stale = 0;
    const uint32_t held = held_seats(port, l, wall_ms() + offset_s * 1000, &stale);
    EXPECT(stale == 0, "round %d: %u seats held past every possible hold deadline", round, stale);
    if (final_round) {
      EXPECT(held == 0, "%u seats still held after every deadline passed", held);
      break;
    }
    const auto kill_after = std::chrono::milliseconds(150 + rng() % 750);
    {
      std::lock_guard<std::mutex> lock{ctl.mutex};
      ctl.port = port;
      ctl.offset_ms = offset_s * 1000;
      ctl.running = true;
      ++ctl.generation;
    }
    ctl.changed.notify_all();
    std::this_thread::sleep_for(kill_after); // the random moment of the kill itself
    node.kill9();
    {
      std::lock_guard<std::mutex> lock{ctl.mutex};
      ctl.running = false;
      ++ctl.generation;
    }
    ctl.changed.notify_all();
    std::lock_guard<std::mutex> lock{l.mutex};
    std::printf("round %2d: killed after %4ld ms; %zu orders acknowledged so far, %zu users\n",
                round, (long)kill_after.count(), l.orders.size(), l.by_token.size());
    std::fflush(stdout);
  }
  {
    std::lock_guard<std::mutex> lock{ctl.mutex};
    ctl.done = true;
  }
  ctl.changed.notify_all();
  for (auto& f : fans)
    f.join();
  node.kill9();
  const int audit = std::system((audit_bin + " " + data_dir).c_str());
  EXPECT(audit == 0, "holdfast-audit failed (status %d)", audit);
  std::printf("crash-test: %d kills, %zu orders acknowledged by %zu users, %lu holds acknowledged, "
              "%d failures\n",
              kills, l.orders.size(), l.by_token.size(), (unsigned long)l.holds, failures.load());
  if (failures == 0)
    std::filesystem::remove_all(dir);
  else
    std::printf("data and node log kept in %s\n", dir.string().c_str());
  return failures == 0 ? 0 : 1;
}
