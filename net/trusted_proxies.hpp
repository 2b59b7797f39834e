// Which peers may tell us who the client is. Behind a reverse proxy or a load
// balancer every connection comes from the proxy, so per-IP limits (requests,
// sign-ups) would throttle all fans as one; the proxy names the real client in
// X-Forwarded-For or Forwarded (RFC 7239). Those headers are believed only
// when the connection comes from a trusted proxy ([node] trusted_proxies, a
// CIDR list), and only as far as the chain of trusted proxies reaches: the
// client is the right-most address that is not itself a trusted proxy, so a
// client cannot pick its own address by sending the header itself.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/fields.hpp>

#include "core/status.hpp"

namespace holdfast {

class trusted_proxies {
public:
  // "10.0.0.0/8, 192.168.1.5, fd00::/8" (an address without a prefix is one
  // host). A failure says what is wrong.
  static status parse(std::string_view list, trusted_proxies& out);

  bool empty() const { return networks_.empty(); }
  bool trusts(std::string_view address) const;
  // The client behind `peer` (the connection's address, as text): `peer`
  // itself unless it is trusted; then the forwarding headers are walked from
  // the right past trusted proxies. An unreadable entry stops the walk at the
  // last trusted hop, which is then taken as the client (its bucket is shared,
  // never a client's chosen one).
  std::string client_of(std::string_view peer, const boost::beast::http::fields& headers) const;

private:
  struct network {
    std::array<uint8_t, 16> bytes{}; // IPv4 as v4-mapped IPv6
    unsigned prefix_bits = 128;
  };
  static bool to_bytes(std::string_view text, std::array<uint8_t, 16>& out);
  bool trusts(const std::array<uint8_t, 16>& address) const;

  std::vector<network> networks_;
};

} // namespace holdfast
