// api-test's main: reads --node=<holdfast-node> and --audit=<holdfast-audit>,
// runs doctest, and owns the node process the test cases talk to.
//
// usage: api-test --node=PATH --audit=PATH [--split=bytes|lines] [doctest options]
// --split sends every request of the suite byte by byte, or a line at a time
// (tests/http_client.hpp): the answers must not change.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/api_test_fixture.hpp"
#include "tests/http_client.hpp"

namespace holdfast::test {

namespace {

constexpr auto node_start_timeout = std::chrono::seconds(30);
constexpr auto node_stop_timeout = std::chrono::seconds(10);
constexpr std::string_view ready_marker = "ready on http://";
constexpr std::string_view admin_marker = "admin on http://";

// The port of "<marker><host>:<port>/" at `at` in `text`.
uint16_t port_after(const std::string& text, size_t at, std::string_view marker) {
  const auto colon = text.find(':', at + marker.size());
  return colon == std::string::npos ? 0 : static_cast<uint16_t>(std::atoi(text.c_str() + colon + 1));
}

// A child process whose stdout and stderr come back through a pipe; a reader
// thread collects them, so waiting for "ready" or for exit is an event wait.
class node_process {
public:
  ~node_process() { stop(SIGKILL); }

  // open_files > 0: the child's RLIMIT_NOFILE, soft and hard (so the node
  // cannot raise it).
  void start(const std::string& bin, const std::string& conf, rlim_t open_files = 0) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    const pid_t parent = getpid();
    std::fflush(stdout); // else the child's buffered copy prints twice
    pid_ = fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls until exec.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(126);
      if (open_files > 0) {
        const rlimit lim{open_files, open_files};
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) _exit(125);
      }
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      execl(bin.c_str(), bin.c_str(), conf.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    if (pid_ < 0) {
      close(fds[0]);
      throw std::runtime_error("fork failed");
    }
    {
      std::lock_guard<std::mutex> guard{mutex_};
      eof_ = false;
      port_ = 0;
      admin_port_ = 0;
      log_ += "---- " + bin + " " + conf + "\n";
      from_ = log_.size();
    }
    reader_ = std::thread([this, fd = fds[0]] { drain(fd); });
    std::unique_lock<std::mutex> lock{mutex_};
    cv_.wait_for(lock, node_start_timeout, [&] { return port_ != 0 || eof_; });
    if (port_ == 0) {
      lock.unlock();
      stop(SIGKILL);
      throw std::runtime_error("holdfast-node did not come up; its output:\n" + log());
    }
  }

  // True when the process exited on `signal` alone within the stop timeout.
  bool stop(int signal) {
    if (pid_ <= 0) return true;
    kill(pid_, signal);
    bool clean = true;
    {
      std::unique_lock<std::mutex> lock{mutex_};
      if (!cv_.wait_for(lock, node_stop_timeout, [&] { return eof_; })) {
        clean = false;
        kill(pid_, SIGKILL);
        cv_.wait(lock, [&] { return eof_; }); // SIGKILL always ends it
      }
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    if (reader_.joinable()) reader_.join();
    return clean;
  }

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  uint16_t admin_port() const { return admin_port_; }
  std::string log() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return log_;
  }

private:
  void drain(int fd) {
    char buf[4096];
    for (;;) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> guard{mutex_};
      if (n <= 0) {
        eof_ = true;
        cv_.notify_all();
        break;
      }
      log_.append(buf, static_cast<size_t>(n));
      if (port_ == 0) {
        const auto at = log_.find(ready_marker, from_);
        if (at != std::string::npos) {
          // The admin listener is announced just before "ready".
          const auto admin = log_.find(admin_marker, from_);
          if (admin != std::string::npos) admin_port_ = port_after(log_, admin, admin_marker);
          port_ = port_after(log_, at, ready_marker);
          cv_.notify_all();
        }
      }
    }
    close(fd);
  }

  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string log_;
  size_t from_ = 0; // where the current process's output starts in log_
  bool eof_ = false;
  uint16_t port_ = 0;
  uint16_t admin_port_ = 0;
};

// The main node's [limits] and waiting room: the 64-client race and the
// concurrency tests hammer from one IP with one user per connection, so the
// per-IP, per-user and hold-velocity buckets are off here (api_onsale_test.cpp
// checks them on a node of their own); Device-Id keeps its default bucket.
// Demo event 2's waiting room opens 4 s after start and admits 100 users a second.
constexpr const char* main_node_conf =
    "[limits]\nip_per_s = 0\nuser_per_s = 0\nhold_attempts_per_min = 0\n"
    "signup_pow_difficulty = 0\nsignup_per_ip_per_min = 0\n"
    "[demo]\nload = true\nsections = 40\nseats = 50000\nga_capacity = 2000\n"
    "room_opens_after_s = 4\nroom_admit_per_min = 6000\n";

std::string node_bin_path, audit_bin_path;

struct harness {
  std::string name = "api-test";
  std::string extra_conf = main_node_conf;
  std::filesystem::path dir;
  node_process node;
  bool started = false;
  rlim_t open_files = 0;  // 0: inherited
  uint16_t http_port = 0; // 0: the kernel picks

  std::string data_dir() const { return (dir / "data").string(); }

  void write_config(int64_t clock_offset_s) const {
    std::ofstream out(dir / "node.conf");
    out << "[cluster]\nshards = 2\n"
        << "[node]\nname = " << name
        // A test about exposure may bind the public port elsewhere.
        << (extra_conf.find("http_host") == std::string::npos ? "\nhttp_host = 127.0.0.1" : "")
        << "\nhttp_port = " << http_port
        << "\ncaf_port = 0\nadmin_port = 0\n"
        << "data_dir = " << data_dir() << "\nweb_root = " HOLDFAST_SOURCE_DIR "/web\n"
        << "clock_offset_s = " << clock_offset_s
        << "\n"
        // Small, so the concurrency test writes snapshots the audit then checks.
        << "snapshot_records = 500\n"
        << extra_conf
        // Tests sign up many users from one address: no sign-up bucket unless
        // the test is about it (make_user solves the proof of work either way).
        // Last, so extra_conf's keys stay in the sections it meant (a section
        // may appear twice; only a key may not).
        << (extra_conf.find("signup_per_ip") == std::string::npos
                ? "\n[limits]\nsignup_per_ip_per_min = 0\n"
                : "");
  }

  void start(int64_t clock_offset_s) {
    write_config(clock_offset_s);
    node.start(node_bin_path, (dir / "node.conf").string(), open_files);
  }

  void make_dir() {
    dir = std::filesystem::temp_directory_path() /
          ("holdfast-" + name + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
};

harness h;

} // namespace

uint16_t node_port() {
  if (!h.started) {
    h.started = true;
    h.make_dir();
    h.start(0);
  }
  if (!h.node.running()) throw std::runtime_error("the node is not running");
  return h.node.port();
}

uint16_t node_admin_port() {
  node_port();
  return h.node.admin_port();
}
std::string node_data_dir() {
  return h.data_dir();
}
std::string node_log() {
  return h.node.log();
}
bool stop_node(int signal) {
  return h.node.stop(signal);
}
void restart_node(int64_t clock_offset_s) {
  h.start(clock_offset_s);
}

struct extra_node::impl {
  harness node;
};

extra_node::extra_node(const std::string& name, const std::string& extra_conf, uint64_t open_files,
                       uint16_t http_port)
    : impl_(std::make_unique<impl>()) {
  impl_->node.http_port = http_port;
  impl_->node.name = name;
  impl_->node.extra_conf = extra_conf;
  impl_->node.open_files = static_cast<rlim_t>(open_files);
  impl_->node.make_dir();
  impl_->node.start(0);
}

extra_node::~extra_node() {
  const bool clean = impl_->node.node.stop(SIGTERM);
  if (clean) std::filesystem::remove_all(impl_->node.dir);
}

uint16_t extra_node::port() const {
  if (!impl_->node.node.running()) throw std::runtime_error("the node is not running");
  return impl_->node.node.port();
}
uint16_t extra_node::admin_port() const {
  if (!impl_->node.node.running()) throw std::runtime_error("the node is not running");
  return impl_->node.node.admin_port();
}
std::string extra_node::data_dir() const {
  return impl_->node.data_dir();
}
int extra_node::pid() const {
  return static_cast<int>(impl_->node.node.pid());
}
std::string extra_node::log() const {
  return impl_->node.node.log();
}
void extra_node::restart(int signal) {
  impl_->node.node.stop(signal);
  impl_->node.start(0);
}

int run_audit(std::string& output) {
  const std::string cmd = "'" + audit_bin_path + "' '" + h.data_dir() + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    output.append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace holdfast::test

int main(int argc, char** argv) {
  using holdfast::test::audit_bin_path;
  using holdfast::test::h;
  using holdfast::test::node_bin_path;
  signal(SIGPIPE, SIG_IGN); // a server closing mid-write must not kill the test
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    // Absolute: the audit runs through the shell, which would search PATH.
    if (arg.rfind("--node=", 0) == 0)
      node_bin_path = std::filesystem::absolute(arg.substr(7)).string();
    else if (arg.rfind("--audit=", 0) == 0)
      audit_bin_path = std::filesystem::absolute(arg.substr(8)).string();
    else if (arg == "--split=bytes")
      holdfast::test::set_send_split(holdfast::test::send_split::bytes);
    else if (arg == "--split=lines")
      holdfast::test::set_send_split(holdfast::test::send_split::lines);
    else
      rest.push_back(argv[i]);
  }
  const bool help = std::any_of(argv + 1, argv + argc, [](const char* a) {
    return std::string_view{a} == "--help" || std::string_view{a} == "-h";
  });
  if (help || node_bin_path.empty() || audit_bin_path.empty()) {
    std::fprintf(help ? stdout : stderr,
                 "usage: api-test --node=<holdfast-node> --audit=<holdfast-audit> "
                 "[--split=bytes|lines] [doctest options, e.g. -tc=<test case>]\n");
    return help ? 0 : 2;
  }
  doctest::Context context;
  context.applyCommandLine(static_cast<int>(rest.size()), rest.data());
  const int failed = context.run();
  if (h.started) {
    const bool clean = h.node.stop(SIGTERM);
    if (!clean) std::printf("api-test: the node ignored SIGTERM for 10 s and was killed\n");
    if (failed == 0 && clean) {
      std::filesystem::remove_all(h.dir);
    } else {
      std::printf("api-test: data, config and node log kept in %s\n", h.dir.string().c_str());
      std::ofstream(h.dir / "node.log") << h.node.log();
    }
    if (!clean) return 1;
  }
  return failed;
}
