// Fuzzes the node's HTTP request reading (net/request_reader.hpp) fed exactly
// as net/http_session.cpp feeds it: bytes read into prepare(), commit(n),
// parse(); a complete request is answered, then start() begins the next one and
// pipelined bytes already buffered are parsed at once; the end of the input is
// the peer closing (end_of_stream()).
// Input: one byte k, then k bytes of read sizes (0 means 256), then the bytes the
// client sends, cut into reads of those sizes in turn (none: as large as
// prepare() allows). Checks, besides no crash and no sanitizer report:
// - memory stays bounded: the reader never holds more than
//   http_buffer_bytes_max unconsumed bytes, nor a body over http_body_bytes_max,
//   and prepare() always has room while the reader wants bytes;
// - a refusal is a 4xx with a stable code, and ends the connection;
// - splitting changes nothing: the requests, their order and the final verdict
//   (a refusal's status) are the same as when every read is as large as it can
//   be, and as when it comes byte by byte (the issue's "byte by byte and split
//   at every \r\n" rule, for arbitrary splits).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.hpp"
#include "net/request_reader.hpp"

using namespace holdfast;
namespace http = boost::beast::http;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// What the session would act on, in order, as text.
std::string describe(request_reader::request_type& req) {
  std::string out = std::string(req.method_string()) + " " + std::string(req.target()) + " " +
                    std::to_string(req.version()) + (req.keep_alive() ? " keep\n" : " close\n");
  for (const auto& field : req)
    out += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
  return out + "\n" + req.body() + "\n";
}

// One connection: the reads `sizes` (cycled; empty: as large as possible).
std::vector<std::string> session(std::string_view stream, const std::vector<size_t>& sizes) {
  std::vector<std::string> transcript;
  request_reader reader;
  size_t next_size = 0;
  // Acts on a verdict like http_session::act_on; false when the connection is over.
  auto act_on = [&](request_reader::verdict v) {
    check(reader.buffered() <= limits::http_buffer_bytes_max);
    switch (v) {
    case request_reader::verdict::need_more:
      return true;
    case request_reader::verdict::complete: {
      auto& req = reader.request();
      check(req.body().size() <= limits::http_body_bytes_max);
      transcript.push_back(describe(req));
      if (!req.keep_alive()) return false; // answered, then closed
      reader.start();
      return true;
    }
    case request_reader::verdict::refused: {
      const auto& why = reader.refusal();
      const unsigned status = static_cast<unsigned>(why.status);
      check(status >= 400 && status < 500 && !why.code.empty() && !why.message.empty());
      // The status only: of two faults in one header, Beast reports the one it
      // meets first, and that depends on what has arrived (docs/fuzzing.md).
      transcript.push_back("refused " + std::to_string(status));
      return false;
    }
    case request_reader::verdict::closed:
      transcript.push_back("closed");
      return false;
    }
    check(false);
    return false;
  };
  // After an answer, pipelined bytes already buffered are parsed before any read.
  auto drain_pipelined = [&] {
    auto v = request_reader::verdict::need_more;
    while (reader.buffered() > 0 && transcript.size() < 4096) {
      const size_t before = transcript.size();
      v = reader.parse();
      if (!act_on(v)) return false;
      reader.take_continue();
      if (transcript.size() == before) break; // needs more bytes
    }
    return true;
  };
  while (!stream.empty()) {
    auto room = reader.prepare();
    check(room.size() > 0);
    size_t n = std::min(room.size(), stream.size());
    if (!sizes.empty()) n = std::min(n, sizes[next_size++ % sizes.size()]);
    std::memcpy(room.data(), stream.data(), n);
    stream.remove_prefix(n);
    reader.commit(n);
    const size_t before = transcript.size();
    if (!act_on(reader.parse())) return transcript;
    reader.take_continue();
    if (transcript.size() != before && !drain_pipelined()) return transcript;
  }
  act_on(reader.end_of_stream());
  return transcript;
}

// Two transcripts of one connection must match; HTTP_FUZZ_VERBOSE=1 prints both
// when they do not (to read a crash).
void same(const std::vector<std::string>& split, const std::vector<std::string>& whole) {
  if (split == whole) return;
  if (std::getenv("HTTP_FUZZ_VERBOSE") != nullptr) {
    for (const auto* t : {&split, &whole}) {
      std::fprintf(stderr, "--- %s\n", t == &split ? "split" : "whole");
      for (const auto& line : *t)
        std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t k = std::min<size_t>(data[0], size - 1);
  std::vector<size_t> sizes;
  for (size_t i = 1; i <= k; ++i)
    sizes.push_back(data[i] == 0 ? 256 : data[i]);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1 + k, size - 1 - k);
  const auto whole = session(stream, {});
  if (!sizes.empty()) same(session(stream, sizes), whole);
  const std::vector<size_t> bytewise{1};
  if (stream.size() <= 512) same(session(stream, bytewise), whole);
  return 0;
}
