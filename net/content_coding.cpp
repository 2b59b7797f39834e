#include "net/content_coding.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <new>

#include <zlib.h>

#include "core/assert.hpp"
#include "core/limits.hpp"
#include "net/header_lists.hpp"

namespace holdfast {

namespace {

bool equals_lower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != lower[i]) return false;
  return true;
}

// The q-value of one list element's parameters ("; q=0.5"); 1 when absent.
double quality(std::string_view params) {
  while (!params.empty()) {
    const auto semicolon = params.find(';');
    auto param = trim_ows(params.substr(0, semicolon));
    params =
        semicolon == std::string_view::npos ? std::string_view{} : params.substr(semicolon + 1);
    if (param.size() < 2 || std::tolower(static_cast<unsigned char>(param[0])) != 'q' ||
        param[1] != '=')
      continue;
    param.remove_prefix(2);
    double q = 0;
    const auto [end, ec] = std::from_chars(param.data(), param.data() + param.size(), q);
    if (ec != std::errc{} || end != param.data() + param.size() || q < 0 || q > 1) return 0;
    return q;
  }
  return 1;
}

} // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip_q, any_q;
  any_list_element(accept_encoding, [&](std::string_view element) {
    const auto semicolon = element.find(';');
    const auto coding = trim_ows(element.substr(0, semicolon));
    const double q =
        semicolon == std::string_view::npos ? 1.0 : quality(element.substr(semicolon + 1));
    if (equals_lower(coding, "gzip") || equals_lower(coding, "x-gzip"))
      gzip_q = std::max(gzip_q.value_or(0), q);
    else if (coding == "*")
      any_q = q;
    return false; // every element counts
  });
  if (gzip_q) return *gzip_q > 0;
  return any_q && *any_q > 0;
}

std::string gzip(std::string_view data, int level) {
  HF_ASSERT(level >= 1 && level <= 9);
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::bad_alloc();
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  // deflateBound leaves room for the whole stream: one call finishes it.
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  HF_ASSERT(rc == Z_STREAM_END);
  return out;
}

std::optional<std::string> gunzip(std::string_view data, size_t bytes_max) {
  constexpr size_t chunk = limits::gunzip_chunk_bytes;
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::bad_alloc();
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  for (;;) {
    const size_t before = out.size();
    // One byte beyond the bound, so that output past it is seen, not cut off.
    const size_t left = bytes_max - before;
    const size_t room = left >= chunk ? chunk : left + 1;
    out.resize(before + room);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(room);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(before + room - z.avail_out);
    if (rc != Z_OK || out.size() > bytes_max) break;
    if (z.avail_in == 0 && z.avail_out != 0) break; // wants more input: truncated
  }
  inflateEnd(&z);
  // Valid only when the member ended exactly where the input does.
  if (rc != Z_STREAM_END || z.avail_in != 0 || out.size() > bytes_max) return std::nullopt;
  return out;
}

} // namespace holdfast
