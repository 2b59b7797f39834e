// The HTTP access log: one JSON line per answered request, for operators
// tracing what a fan saw ("my hold failed at 20:01"). Off unless [node]
// access_log names a file. Lines are buffered in memory and written by the
// log's own thread at least once a second, so an I/O thread never waits on
// the disk; past limits::access_log_pending_bytes_max of unwritten lines (a
// stalled disk), lines are dropped and the next write says how many.
//
// A line: {"t":"2026-11-22T20:01:02.345Z","ip":"203.0.113.9","method":"POST",
//          "target":"/v1/events/1/holds","status":409,"bytes":187,"us":1480}
//
// Query values that are credentials (any parameter whose name contains
// "token", "ticket", "secret", "key", "password" or "auth") are written as
// "REDACTED": a log is read by more people than the fans' tokens are meant for.
//
// Rotation: move the file away, then send the node SIGHUP (logrotate's
// postrotate); the writer flushes what it has to the old file and continues
// in a new one at the same path.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.hpp"

namespace holdfast {

// `target` with the values of credential-like query parameters replaced by
// REDACTED (names compared case-insensitively); unchanged when it has none.
std::string redact_target(std::string_view target);

class access_log {
public:
  access_log() = default;
  ~access_log(); // writes what is pending, then stops the writer
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  // Appends to `path` (created 0600 if missing) and starts the writer.
  status open(const std::string& path);
  // Thread-safe: the writer reopens the path before its next write (after
  // flushing what is pending to the old file). If the path cannot be opened,
  // it says so on stderr and keeps the old file.
  void reopen();

  // Thread-safe; stamps the line with the wall clock (not the node's shifted
  // one: operators match it against other systems' logs).
  void record(std::string_view ip, std::string_view method, std::string_view target,
              unsigned status, size_t body_bytes, uint64_t latency_us);

private:
  void write_loop();
  void write_all(const std::string& bytes);

  std::string path_;
  int fd_ = -1; // after open(), only the writer thread uses it
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  uint64_t dropped_ = 0;
  bool stopping_ = false;
  bool reopen_requested_ = false;
  std::thread writer_;
};

} // namespace holdfast
