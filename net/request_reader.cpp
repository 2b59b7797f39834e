#include "net/request_reader.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

#include "core/limits.hpp"

namespace holdfast {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string_view trimmed(beast::string_view v) {
  std::string_view s(v.data(), v.size());
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

request_reader::request_reader() : buffer_(limits::http_buffer_bytes_max) {
  start();
}

void request_reader::start() {
  parser_.emplace();
  parser_->body_limit(limits::http_body_bytes_max);
  parser_->header_limit(limits::http_header_bytes_max);
  header_bytes_ = 0;
  continue_due_ = false;
}

boost::asio::mutable_buffer request_reader::prepare() {
  // parse() refuses a header before the unconsumed bytes pass the header
  // bound, and consumes every body byte, so there is always room for a read
  // here; the min() keeps flat_buffer's own limit from ever throwing.
  const size_t room = buffer_.max_size() - buffer_.size();
  return buffer_.prepare(std::min(room, limits::http_read_chunk_bytes));
}

request_reader::verdict request_reader::parse() {
  while (buffer_.size() > 0) {
    beast::error_code ec;
    const bool in_header = !parser_->is_header_done();
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec && ec != http::error::need_more) return refuse_parse_error(ec);
    if (in_header) {
      // The parser forgets what it consumed of an unfinished header, so the
      // bound on the whole header is kept here. Not eager: the put that ends
      // the header stops there, so `used` counts header bytes only.
      header_bytes_ += used;
      const size_t pending = ec == http::error::need_more ? buffer_.size() : 0;
      if (header_bytes_ + pending > limits::http_header_bytes_max)
        return refuse_parse_error(http::error::header_limit);
      if (parser_->is_header_done()) {
        // Before any body byte is read: a refused framing never reaches
        // Beast's body parsers.
        if (auto refused = check_framing()) return *refused;
        if (!parser_->is_done() && buffer_.size() == 0) {
          const auto& req = parser_->get();
          const auto expect = req.find(http::field::expect);
          continue_due_ = req.version() >= 11 && expect != req.end() &&
                          beast::iequals(expect->value(), "100-continue");
        }
      }
    }
    if (ec == http::error::need_more) return verdict::need_more;
    if (parser_->is_done()) return verdict::complete;
    if (used == 0) return verdict::need_more;
  }
  return verdict::need_more;
}

request_reader::verdict request_reader::end_of_stream() {
  if (!parser_->got_some() && buffer_.size() == 0) return verdict::closed;
  return refuse(http::status::bad_request, "bad_request", "the request was cut short");
}

bool request_reader::take_continue() {
  const bool due = continue_due_;
  continue_due_ = false;
  return due;
}

std::optional<request_reader::verdict> request_reader::check_framing() {
  const auto& req = parser_->get();
  const auto encodings = req.equal_range(http::field::transfer_encoding);
  const auto lengths = req.equal_range(http::field::content_length);
  const auto encoding_fields = std::distance(encodings.first, encodings.second);
  const auto length_fields = std::distance(lengths.first, lengths.second);
  if (encoding_fields == 1 && length_fields == 0 &&
      beast::iequals(trimmed(encodings.first->value()), "chunked"))
    return refuse(http::status::length_required, "length_required",
                  "send the body with a Content-Length; chunked bodies are not accepted");
  if (encoding_fields > 0)
    return refuse(http::status::bad_request, "bad_framing",
                  "Transfer-Encoding is not accepted; send the body with a Content-Length");
  if (length_fields > 1)
    return refuse(http::status::bad_request, "bad_framing",
                  "the request has more than one Content-Length");
  return std::nullopt;
}

request_reader::verdict request_reader::refuse(http::status status, std::string_view code,
                                               std::string_view message) {
  refusal_ = {status, code, message};
  return verdict::refused;
}

request_reader::verdict request_reader::refuse_parse_error(const beast::error_code& ec) {
  // The messages quote the bounds; built once, they outlive every refusal.
  static const std::string body_too_large =
      "the body is larger than " + std::to_string(limits::http_body_bytes_max / 1024) + " KiB";
  static const std::string header_too_large = "the headers are larger than " +
                                              std::to_string(limits::http_header_bytes_max / 1024) +
                                              " KiB";
  if (ec == http::error::body_limit)
    return refuse(http::status::payload_too_large, "body_too_large", body_too_large);
  if (ec == http::error::header_limit)
    return refuse(http::status::request_header_fields_too_large, "header_too_large",
                  header_too_large);
  if (ec == http::error::bad_content_length || ec == http::error::multiple_content_length ||
      ec == http::error::bad_transfer_encoding)
    return refuse(http::status::bad_request, "bad_framing",
                  "the request's Content-Length or Transfer-Encoding is not valid");
  return refuse(http::status::bad_request, "bad_request", "the request is not valid HTTP/1.1");
}

} // namespace holdfast
