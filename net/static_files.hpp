// The web UI's files, served from memory. Each file is read once, and again
// only when its size or modification time changes (editing web/ needs no
// restart), with a strong ETag for revalidation and, for text, a gzipped copy
// made at load: an on-sale's page loads then cost a stat and a 304 or a copy
// from memory, not an open and a read of ~160 KB on the I/O thread.
#pragma once

#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace holdfast {

struct static_file {
  std::string content_type;
  std::string body;
  std::string gzipped;   // empty when gzip would not pay (small or binary files)
  std::string etag;      // "\"<size>-<crc32c>\"" of the body
  std::string etag_gzip; // the gzipped copy's tag: the same with "-gz" (a distinct representation)
  // What the copy was read from.
  off_t size = 0;
  struct timespec modified {};
};

class static_files {
public:
  explicit static_files(std::string root) : root_(std::move(root)) {}
  // The file `name` in the root, or null when it is not one we serve: an
  // unknown type, a hidden file, anything with a slash or "..", or missing.
  // Thread-safe.
  std::shared_ptr<const static_file> get(std::string_view name);

private:
  std::string root_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const static_file>> files_;
};

// Whether an If-None-Match header value matches `etag` (RFC 9110 13.1.2: "*"
// matches any current representation; the comparison is weak, so W/"x"
// matches "x").
bool none_match(std::string_view if_none_match, std::string_view etag);

// The tag of a resource's gzipped copy: its plain tag with "-gz" (a distinct
// representation, RFC 9110 8.8.3).
std::string gzip_etag(std::string_view etag);

// If-None-Match against a resource served plain or gzipped: the tag a 304
// names, or null when the client holds neither copy and gets the body. Either
// copy held is current; the 304 names the one this client would be sent
// (`zipped`) when it holds that one, else the one it holds.
const std::string* held_etag(std::string_view if_none_match, const std::string& etag,
                             const std::string& etag_gzip, bool zipped);

} // namespace holdfast
