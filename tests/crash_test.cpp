// Crash test: what it tries to break is "a confirmed order survives kill -9"
// and "no hold outlives its deadline". It runs a real holdfast-node process on
// a fresh data directory, drives it with 200 concurrent clients over CAF
// remoting (holding, confirming, releasing on a 50,000-seat event), kills it
// with SIGKILL at seeded random moments (mid-batch, mid-commit, mid-snapshot),
// restarts it with its clock jumped forward, and after every restart checks:
//   - every order a client saw confirmed is still there, with its seats;
//   - no seat is still held by a hold whose deadline has passed;
// and at the end runs holdfast-audit on the files.
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
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/message_registry.hpp"

using namespace holdfast;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t clients = 200;
constexpr uint32_t seats_total = 50'000;
constexpr int64_t clock_jump_s = 200; // per restart; holds last 600 s
constexpr int64_t hold_ttl_ms = 600'000;

int failures = 0;
#define EXPECT(cond, ...)                                                                         \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      ++failures;                                                                                 \
      std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                 \
      std::printf(__VA_ARGS__);                                                                   \
      std::printf("\n");                                                                          \
    }                                                                                             \
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

void write_config(const std::string& path, const std::string& data_dir, uint16_t port,
                  int64_t offset_s) {
  std::ofstream out(path);
  out << "[cluster]\nshards = 2\n[node]\nname = crash\nhttp_host = 127.0.0.1\nhttp_port = 1\n"
      << "data_dir = " << data_dir << "\ncaf_port = " << port << "\nclock_offset_s = " << offset_s
      << "\nsnapshot_records = 4000\n[demo]\nload = true\nsections = 40\nseats = " << seats_total
      << "\nga_capacity = 2000\n";
}

// What clients were told, and what they asked for.
struct ledger {
  std::map<order_id, std::pair<user_id, std::vector<seat_index>>> acked_orders;
  std::vector<int64_t> last_hold_sent_node_ms = std::vector<int64_t>(seats_total, 0);
  uint64_t acked_holds = 0;
};

struct client {
  user_id user = 0;
  uint32_t orders = 0;
  hold_id hold = 0;
  std::vector<seat_index> seats;
  bool busy = false;
};

class swarm {
public:
  swarm(uint64_t seed, ledger& l) : rng_(seed), ledger_(l) {
    for (uint32_t c = 0; c < clients; ++c) clients_.push_back(client{next_user_++});
  }

  // Next command of every idle client, as one batch.
  command_batch next_batch(int64_t node_now_ms) {
    command_batch b{++batch_id_, {}};
    for (uint32_t c = 0; c < clients_.size(); ++c) {
      auto& cl = clients_[c];
      if (cl.busy) continue;
      cl.busy = true;
      if (cl.hold == 0) {
        cl.seats.clear();
        // A tenth of holds aim at a hot block of 400 seats, so clients collide.
        const bool hot = rng_() % 10 == 0;
        while (cl.seats.size() < 2) {
          seat_index s = hot ? rng_() % 400 : rng_() % seats_total;
          if (std::find(cl.seats.begin(), cl.seats.end(), s) == cl.seats.end())
            cl.seats.push_back(s);
        }
        for (auto s : cl.seats) ledger_.last_hold_sent_node_ms[s] = node_now_ms;
        b.commands.push_back(make_hold(c, cl.user, cl.seats));
      } else if (rng_() % 10 < 3) { // 30% buy, 70% let go: seats churn for 22 rounds
        b.commands.push_back(make_confirm(c, cl.user, cl.hold));
      } else {
        b.commands.push_back(make_release(c, cl.user, cl.hold));
      }
    }
    return b;
  }

  void take(const command_batch& sent, const outcome_batch& got) {
    for (size_t k = 0; k < got.outcomes.size(); ++k) {
      const auto& cmd = sent.commands[k];
      const auto& out = got.outcomes[k];
      auto& cl = clients_[cmd.tag];
      cl.busy = false;
      if (cmd.kind == command_kind::hold) {
        if (out.code == result_code::ok) {
          cl.hold = out.id;
          ++ledger_.acked_holds;
        }
        continue;
      }
      if (cmd.kind == command_kind::confirm && out.code == result_code::ok) {
        ledger_.acked_orders[out.id] = {cl.user, cl.seats};
        if (++cl.orders == 3) cl = client{next_user_++}; // stay under the per-user cap
      }
      cl.hold = 0;
    }
  }

  // A kill loses the replies in flight: those clients start over.
  void reset_in_flight() {
    for (auto& cl : clients_)
      if (cl.busy) cl = client{next_user_++};
  }

private:
  std::mt19937_64 rng_;
  ledger& ledger_;
  std::vector<client> clients_;
  user_id next_user_ = 1;
  uint64_t batch_id_ = 0;
};

std::optional<event_actor> connect(caf::actor_system& sys, uint16_t port) {
  caf::scoped_actor self{sys};
  for (int attempt = 0; attempt < 300; ++attempt) {
    auto node = sys.middleman().remote_actor<node_actor>("127.0.0.1", port);
    if (node) {
      std::optional<event_actor> ev;
      self->request(*node, 5s, lookup_atom::value, event_id{1})
        .receive([&](event_actor& a) { if (a) ev = a; }, [](caf::error&) {});
      if (ev) return ev;
    }
    std::this_thread::sleep_for(100ms); // waiting for a process to start, not for a result
  }
  return std::nullopt;
}

// Checks the restarted node against what clients were told.
void verify(caf::actor_system& sys, const event_actor& ev, const ledger& l, int64_t node_now_ms) {
  caf::scoped_actor self{sys};
  std::map<user_id, std::vector<order_id>> by_user;
  for (const auto& [id, entry] : l.acked_orders) by_user[entry.first].push_back(id);
  for (const auto& [user, ids] : by_user) {
    self->request(ev, 10s, holdings_atom::value, user)
      .receive(
        [&](user_holdings& h) {
          for (order_id id : ids) {
            auto it = std::find_if(h.orders.begin(), h.orders.end(),
                                   [&](const order_view& o) { return o.id == id; });
            EXPECT(it != h.orders.end(), "acknowledged order %lu of user %lu is lost",
                   (unsigned long)id, (unsigned long)user);
            if (it != h.orders.end())
              EXPECT(it->seats == l.acked_orders.at(id).second, "order %lu changed its seats",
                     (unsigned long)id);
          }
        },
        [&](caf::error& e) { EXPECT(false, "holdings: %s", caf::to_string(e).c_str()); });
  }
  self->request(ev, 10s, seatmap_atom::value)
    .receive(
      [&](seat_map_view& m) {
        uint32_t stale = 0;
        for (seat_index s = 0; s < seats_total; ++s) {
          const bool available = (m.available_bits[s / 64] >> (s % 64)) & 1u;
          const bool sold = (m.sold_bits[s / 64] >> (s % 64)) & 1u;
          // Held, but no hold on this seat was even requested within its lifetime.
          if (!available && !sold && l.last_hold_sent_node_ms[s] + hold_ttl_ms < node_now_ms - 2000)
            ++stale;
        }
        EXPECT(stale == 0, "%u seats held past every possible hold deadline", stale);
        for (const auto& [id, entry] : l.acked_orders)
          for (auto s : entry.second)
            EXPECT((m.sold_bits[s / 64] >> (s % 64)) & 1u, "seat %u of order %lu not sold", s,
                   (unsigned long)id);
      },
      [&](caf::error& e) { EXPECT(false, "seatmap: %s", caf::to_string(e).c_str()); });
}

// Drives the node until the killer thread kills it (or the round's time is up).
void drive(caf::actor_system& sys, const event_actor& ev, swarm& clients, int64_t offset_ms,
           std::chrono::milliseconds run_for) {
  caf::scoped_actor self{sys};
  std::map<uint64_t, command_batch> in_flight;
  const auto stop_at = std::chrono::steady_clock::now() + run_for + 3s;
  while (std::chrono::steady_clock::now() < stop_at) {
    while (in_flight.size() < 2) {
      auto b = clients.next_batch(wall_ms() + offset_ms);
      if (b.commands.empty()) break;
      self->send(ev, b);
      in_flight.emplace(b.batch_id, std::move(b));
    }
    bool lost = false;
    self->receive([&](outcome_batch& got) {
                    auto it = in_flight.find(got.batch_id);
                    if (it == in_flight.end()) return;
                    clients.take(it->second, got);
                    in_flight.erase(it);
                  },
                  [&](caf::error&) { lost = true; },
                  caf::after(1500ms) >> [&] { lost = true; });
    if (lost) break; // the node is gone
  }
  clients.reset_in_flight();
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: crash-test <holdfast-node> <holdfast-audit> [kills] [seed]\n");
    return 2;
  }
  const std::string node_bin = argv[1], audit_bin = argv[2];
  const int kills = argc > 3 ? std::atoi(argv[3]) : 22;
  const uint64_t seed = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 20261122;
  std::printf("crash-test: seed %lu, %d kills, %u clients\n", (unsigned long)seed, kills, clients);

  auto dir = std::filesystem::temp_directory_path() / ("holdfast-crash-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string data_dir = (dir / "data").string(), conf = (dir / "node.conf").string(),
                    log = (dir / "node.log").string();

  caf::actor_system_config cfg;
  register_message_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};

  std::mt19937_64 rng(seed);
  ledger l;
  swarm clients(seed, l);
  node_process node;
  for (int round = 0; round <= kills; ++round) {
    const int64_t offset_s = round * clock_jump_s;
    const uint16_t port = free_port();
    write_config(conf, data_dir, port, offset_s);
    node.start(node_bin, conf, log);
    auto ev = connect(sys, port);
    if (!ev) {
      std::printf("FAIL: node did not come up in round %d; log in %s\n", round, log.c_str());
      node.kill9();
      return 1;
    }
    verify(sys, *ev, l, wall_ms() + offset_s * 1000);
    if (round == kills) break;
    // Kill at a random moment 150..900 ms into the load.
    const auto kill_after = std::chrono::milliseconds(150 + rng() % 750);
    std::thread killer([&] {
      std::this_thread::sleep_for(kill_after); // the random moment itself
      node.kill9();
    });
    drive(sys, *ev, clients, offset_s * 1000, kill_after);
    killer.join();
    std::printf("round %2d: killed after %4ld ms; %zu orders acknowledged so far\n", round,
                (long)kill_after.count(), l.acked_orders.size());
    std::fflush(stdout);
  }
  // Final restart far in the future: every hold ever made is past its deadline.
  node.kill9();
  const uint16_t port = free_port();
  const int64_t far_s = (kills + 10) * clock_jump_s + 3600;
  write_config(conf, data_dir, port, far_s);
  node.start(node_bin, conf, log);
  if (auto ev = connect(sys, port)) {
    caf::scoped_actor self{sys};
    self->request(*ev, 10s, seatmap_atom::value).receive(
      [&](seat_map_view& m) {
        uint32_t held = 0;
        for (seat_index s = 0; s < seats_total; ++s)
          held += !((m.available_bits[s / 64] >> (s % 64)) & 1u) &&
                  !((m.sold_bits[s / 64] >> (s % 64)) & 1u);
        EXPECT(held == 0, "%u seats still held after every deadline passed", held);
      },
      [&](caf::error& e) { EXPECT(false, "seatmap: %s", caf::to_string(e).c_str()); });
    verify(sys, *ev, l, wall_ms() + far_s * 1000);
  } else {
    EXPECT(false, "node did not come up for the final check");
  }
  node.kill9();
  const int audit = std::system((audit_bin + " " + data_dir).c_str());
  EXPECT(audit == 0, "holdfast-audit failed (status %d)", audit);
  std::printf("crash-test: %d kills, %zu orders acknowledged, %lu holds acknowledged, %d failures\n",
              kills, l.acked_orders.size(), (unsigned long)l.acked_holds, failures);
  if (failures == 0) std::filesystem::remove_all(dir);
  else std::printf("data and node log kept in %s\n", dir.string().c_str());
  return failures == 0 ? 0 : 1;
}
