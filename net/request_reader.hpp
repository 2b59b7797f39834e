// Turns the bytes of one HTTP/1.1 connection into requests, with every byte
// bounded. The session (net/http_session.cpp) reads from its socket into
// prepare(), commit()s what arrived and asks parse() what it has; the fuzz
// target (tests/fuzz) feeds the same calls with arbitrary splits, so what is
// fuzzed is exactly what the node runs.
//
// Bounds (core/limits.hpp): the header section, the body and the buffer the
// bytes wait in. Whatever a client sends, the reader holds at most
// http_header_bytes_max + http_read_chunk_bytes unconsumed bytes, and the
// parser at most http_body_bytes_max of body.
//
// Framing is Content-Length only (RFC 9112 6.3). Every API body is small and
// real clients send its length, so a Transfer-Encoding is refused as soon as
// the header is in: exactly "chunked" with 411 (send a length instead),
// anything else, or together with a Content-Length, with 400. Either way the
// connection closes, so a body framed one way by a proxy and another way by us
// can never be read as a second request (smuggling). Accepting chunked would
// also mean bounding chunk extensions and trailers, which Beast reads without
// a limit of its own.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

namespace holdfast {

class request_reader {
public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;

  enum class verdict : uint8_t {
    need_more, // read more bytes into prepare()
    complete,  // request() is whole: answer it, then start() the next
    refused,   // refusal() says what to answer; then close the connection
    closed,    // the peer closed cleanly between two requests
  };

  // A refusal's answer: the status and the JSON error's stable code.
  struct refusal_reason {
    boost::beast::http::status status = boost::beast::http::status::bad_request;
    std::string_view code;
    std::string_view message;
  };

  request_reader();

  // Begins the next request (the first one too). Bytes already buffered
  // (pipelined requests) stay and are parsed by the next parse().
  void start();

  // Room for the next read: never empty while the reader wants bytes (parse()
  // refuses before the buffer can fill up).
  boost::asio::mutable_buffer prepare();
  void commit(size_t bytes) { buffer_.commit(bytes); }
  // Parses what is buffered.
  verdict parse();
  // The peer closed its sending side: closed between requests, else refused
  // (a request cut short).
  verdict end_of_stream();

  // True once after parse() saw a complete header asking for
  // "Expect: 100-continue" with none of its body buffered yet: the client
  // waits for the interim answer before it sends the body.
  bool take_continue();

  request_type& request() { return parser_->get(); }
  request_type release() { return parser_->release(); }
  // Something of the current request has arrived (for the access log of refusals).
  bool got_some() const { return parser_ && parser_->got_some(); }
  const refusal_reason& refusal() const { return refusal_; }
  size_t buffered() const { return buffer_.size(); }

private:
  verdict refuse(boost::beast::http::status status, std::string_view code,
                 std::string_view message);
  verdict refuse_parse_error(const boost::system::error_code& ec);
  // Content-Length framing only; nullopt when the header is acceptable.
  std::optional<verdict> check_framing();

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  size_t header_bytes_ = 0; // of the current request, while its header is unfinished
  bool continue_due_ = false;
  refusal_reason refusal_;
};

} // namespace holdfast
