// The one holdfast-node process an api-test run talks to (api_test_main.cpp
// owns it). It starts on first use with a fresh data directory, on ports the
// kernel picks, and is stopped when the run ends; the node dies with the test
// process even if the test crashes (PR_SET_PDEATHSIG).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace holdfast::test {

// The running node's HTTP port. Starts the node on first use; throws (failing
// the calling test case) when it cannot start.
uint16_t node_port();
// Its admin listener (/metrics, /v1/admin), on loopback.
uint16_t node_admin_port();
std::string node_data_dir();
// Everything the node printed so far, for failure messages.
std::string node_log();

// Stops the node with `signal` (SIGTERM, or SIGKILL for a crash) and waits for
// it to exit (SIGKILL after 10 s). Returns false if it had to be killed.
bool stop_node(int signal);
// Starts a stopped node again on the same data directory with its wall clock
// shifted by `clock_offset_s`. Throws when it does not come up.
void restart_node(int64_t clock_offset_s);
// Another node for tests that need a configuration of their own (tight rate
// limits, a small venue, a waiting room with a small active cap): its own
// data directory and kernel-picked ports; `extra_conf` follows the base
// [cluster]/[node] sections (so it must not set their keys). Starts in the
// constructor (throws when it cannot), stops with SIGTERM in the destructor.
class extra_node {
public:
  // open_files > 0: the node runs with that RLIMIT_NOFILE (soft and hard).
  // http_port > 0: that port instead of one the kernel picks.
  extra_node(const std::string& name, const std::string& extra_conf, uint64_t open_files = 0,
             uint16_t http_port = 0);
  ~extra_node();
  extra_node(const extra_node&) = delete;
  extra_node& operator=(const extra_node&) = delete;
  uint16_t port() const;
  uint16_t admin_port() const;
  std::string data_dir() const;
  std::string log() const;
  int pid() const;
  // Stops the node with `signal` (SIGKILL: a crash) and starts it again on the
  // same data directory and config (new ports).
  void restart(int signal);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Runs holdfast-audit on the data directory; returns its exit status.
int run_audit(std::string& output);

} // namespace holdfast::test
