#include "net/access_log.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include "core/limits.hpp"
#include "net/json_views.hpp"

namespace holdfast {

namespace {
bool credential_name(std::string_view name) {
  static constexpr std::string_view marks[] = {"token", "ticket", "secret", "key", "password",
                                               "auth"};
  std::string lower(name);
  for (auto& ch : lower)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  for (auto mark : marks)
    if (lower.find(mark) != std::string::npos) return true;
  return false;
}

} // namespace

std::string redact_target(std::string_view target) {
  const auto query = target.find('?');
  if (query == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, query + 1));
  std::string_view rest = target.substr(query + 1);
  // Names are matched raw: a percent-encoded name is not a parameter the
  // node reads, so whatever it says is logged as sent.
  for (bool first = true; ; first = false) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    if (!first) out += '&';
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && credential_name(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out += "REDACTED";
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

status access_log::open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0)
    return status::failure("cannot open access log " + path + ": " + std::strerror(errno));
  writer_ = std::thread([this] { write_loop(); });
  return status::success();
}

access_log::~access_log() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  ::close(fd_);
}

void access_log::reopen() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    reopen_requested_ = true;
  }
  wake_.notify_one();
}

void access_log::record(std::string_view ip, std::string_view method, std::string_view target,
                        unsigned status, size_t body_bytes, uint64_t latency_us) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  std::string line;
  line.reserve(160 + target.size());
  line += "{\"t\":\"";
  line += iso_time(now_ms);
  line += "\",\"ip\":";
  append_string(line, ip);
  line += ",\"method\":";
  append_string(line, method);
  line += ",\"target\":"; // the client's bytes: escaped like any string
  // Only a query can hold a credential: most targets are written as they are.
  if (target.find('?') == std::string_view::npos)
    append_string(line, target);
  else
    append_string(line, redact_target(target));
  line += ",\"status\":" + std::to_string(status);
  line += ",\"bytes\":" + std::to_string(body_bytes);
  line += ",\"us\":" + std::to_string(latency_us);
  line += "}\n";
  bool soon = false;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (pending_.size() + line.size() > limits::access_log_pending_bytes_max) {
      ++dropped_;
      return;
    }
    pending_ += line;
    soon = pending_.size() >= limits::access_log_write_soon_bytes;
  }
  if (soon) wake_.notify_one();
}

void access_log::write_loop() {
  std::string batch;
  for (;;) {
    bool stop = false;
    bool reopen = false;
    {
      std::unique_lock<std::mutex> lock{mutex_};
      wake_.wait_for(lock, std::chrono::milliseconds(limits::access_log_write_interval_ms), [&] {
        return stopping_ || reopen_requested_ ||
               pending_.size() >= limits::access_log_write_soon_bytes;
      });
      reopen = std::exchange(reopen_requested_, false);
      batch.swap(pending_);
      if (dropped_ > 0) {
        batch += "{\"dropped\":" + std::to_string(dropped_) + "}\n";
        dropped_ = 0;
      }
      stop = stopping_;
    }
    write_all(batch); // lines recorded before the reopen end the old file
    batch.clear();
    if (reopen) {
      const int fresh = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fresh < 0) {
        std::fprintf(stderr, "holdfast: cannot reopen access log %s: %s (still writing the old)\n",
                     path_.c_str(), std::strerror(errno));
      } else {
        ::close(fd_);
        fd_ = fresh;
      }
    }
    if (stop) return;
  }
}

void access_log::write_all(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; // a full or failing disk: the log is best effort
    done += static_cast<size_t>(n);
  }
}

} // namespace holdfast
