#include "net/trusted_proxies.hpp"

#include <charconv>

#include <boost/asio/ip/address.hpp>

#include "core/limits.hpp"

namespace holdfast {

namespace http = boost::beast::http;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// One entry of X-Forwarded-For ("203.0.113.9", "2001:db8::1") or the value of
// a Forwarded for= parameter ("203.0.113.9:4711", "\"[2001:db8::1]:4711\"",
// "unknown", "_hidden"), reduced to the address text.
std::string_view address_text(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    return close == std::string_view::npos ? std::string_view{} : v.substr(1, close - 1);
  }
  // IPv4 with a port has exactly one ':'; bare IPv6 has several.
  if (const auto colon = v.find(':'); colon != std::string_view::npos &&
                                      v.find(':', colon + 1) == std::string_view::npos)
    v = v.substr(0, colon);
  return v;
}

// The forwarded-for chain, left (client side) to right (nearest proxy).
// X-Forwarded-For when present, else Forwarded's for= parameters; several
// header lines count as one list in order. At most forwarded_hops_max entries
// are kept (the right-most ones, which are all the walk can reach).
std::vector<std::string_view> chain_of(const http::fields& headers) {
  std::vector<std::string_view> out;
  auto add = [&](std::string_view entry) {
    out.push_back(entry);
    if (out.size() > limits::forwarded_hops_max) out.erase(out.begin());
  };
  auto split = [](std::string_view list, char sep, auto&& each) {
    for (;;) {
      const auto at = list.find(sep);
      each(list.substr(0, at));
      if (at == std::string_view::npos) break;
      list.remove_prefix(at + 1);
    }
  };
  bool any_xff = false;
  // Beast has no field constant for X-Forwarded-For (not in IANA's registry).
  for (auto [it, end] = headers.equal_range("X-Forwarded-For"); it != end; ++it) {
    any_xff = true;
    split(std::string_view(it->value().data(), it->value().size()), ',', add);
  }
  if (any_xff) return out;
  for (const auto& f : headers) {
    if (f.name() != http::field::forwarded) continue;
    split(std::string_view(f.value().data(), f.value().size()), ',', [&](std::string_view elem) {
      std::string_view found;
      split(elem, ';', [&](std::string_view pair) {
        pair = trim(pair);
        if (pair.size() > 4 && (pair[0] == 'f' || pair[0] == 'F') &&
            (pair[1] == 'o' || pair[1] == 'O') && (pair[2] == 'r' || pair[2] == 'R') &&
            pair[3] == '=')
          found = pair.substr(4);
      });
      add(found); // an element without for= is an unreadable hop
    });
  }
  return out;
}

} // namespace

bool trusted_proxies::to_bytes(std::string_view text, std::array<uint8_t, 16>& out) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return false;
  if (address.is_v4()) {
    out = boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
  } else {
    out = address.to_v6().to_bytes();
  }
  return true;
}

status trusted_proxies::parse(std::string_view list, trusted_proxies& out) {
  out.networks_.clear();
  for (;;) {
    const auto comma = list.find(',');
    const auto item = trim(list.substr(0, comma));
    if (!item.empty()) {
      const auto slash = item.find('/');
      const auto host = item.substr(0, slash);
      network n;
      if (!to_bytes(host, n.bytes)) return status::failure("not an address: " + std::string(host));
      const bool v4 = host.find(':') == std::string_view::npos;
      unsigned bits = v4 ? 32 : 128;
      if (slash != std::string_view::npos) {
        const auto digits = item.substr(slash + 1);
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
        if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size() ||
            bits > (v4 ? 32u : 128u))
          return status::failure("not a prefix length: " + std::string(item));
      }
      n.prefix_bits = v4 ? bits + 96 : bits;
      out.networks_.push_back(n);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return status::success();
}

bool trusted_proxies::trusts(const std::array<uint8_t, 16>& address) const {
  auto in = [&address](const network& n) {
    const size_t whole = n.prefix_bits / 8;
    for (size_t i = 0; i < whole; ++i)
      if (address[i] != n.bytes[i]) return false;
    const unsigned rest = n.prefix_bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
    return (address[whole] & mask) == (n.bytes[whole] & mask);
  };
  for (const auto& n : networks_)
    if (in(n)) return true;
  return false;
}

bool trusted_proxies::trusts(std::string_view address) const {
  std::array<uint8_t, 16> bytes{};
  return to_bytes(address, bytes) && trusts(bytes);
}

std::string trusted_proxies::client_of(std::string_view peer, const http::fields& headers) const {
  if (networks_.empty() || !trusts(peer)) return std::string(peer);
  const auto chain = chain_of(headers);
  std::string client(peer);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const auto text = address_text(*it);
    std::array<uint8_t, 16> bytes{};
    if (text.empty() || !to_bytes(text, bytes)) return client; // unreadable: stop here
    client = std::string(text);
    if (!trusts(bytes)) return client;
  }
  return client; // every hop trusted: the left-most is the client
}

} // namespace holdfast
