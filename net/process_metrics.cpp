#include "net/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace holdfast {

namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name);
  out.append(" ").append(type).append("\n").append(name).append(" ").append(number).append("\n");
}

// Seconds since the epoch at which the machine booted (/proc/stat's btime).
double boot_time_s() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

} // namespace

std::string render_process_metrics() {
  std::string out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // /proc/self/stat: the command name (field 2) may hold spaces, so read from
  // after its closing parenthesis; utime and stime are fields 14 and 15,
  // starttime 22, vsize 23 and rss 24 (pages).
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  if (const auto close = text.rfind(')'); close != std::string::npos && ticks > 0) {
    std::istringstream fields(text.substr(close + 2));
    std::string skip;
    double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
    for (int field = 3; field <= 24 && fields; ++field) {
      if (field == 14)
        fields >> utime;
      else if (field == 15)
        fields >> stime;
      else if (field == 22)
        fields >> start;
      else if (field == 23)
        fields >> vsize;
      else if (field == 24)
        fields >> rss;
      else
        fields >> skip;
    }
    if (fields) {
      metric(out, "process_cpu_seconds_total", "counter",
             "User and system CPU time spent in seconds.", (utime + stime) / ticks);
      metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
             rss * page);
      metric(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize);
      if (const double boot = boot_time_s(); boot > 0)
        metric(out, "process_start_time_seconds", "gauge",
               "Start time of the process since the epoch in seconds.", boot + start / ticks);
    }
  }
  std::error_code ec;
  size_t fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++fds;
  if (!ec)
    metric(out, "process_open_fds", "gauge", "Number of open file descriptors.",
           static_cast<double>(fds));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
    metric(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           static_cast<double>(lim.rlim_cur));
  return out;
}

} // namespace holdfast
