// Content coding: what this tries to break is the Accept-Encoding reading
// (q-values, "*", case, whitespace, malformed parameters, gzip;q=0 beating a
// wildcard) and gzip itself (round trips of empty, tiny, incompressible and
// seat-map-like data at every level; gunzip refusing garbage, a truncated
// member, trailing bytes and output beyond its bound).
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "net/content_coding.hpp"

using namespace holdfast;

TEST_CASE("accepts_gzip reads Accept-Encoding as RFC 9110 says") {
  struct row {
    const char* header;
    bool gzip;
  };
  for (const auto& r : std::initializer_list<row>{
           {"gzip", true},
           {"GZip", true},
           {"x-gzip", true},
           {"gzip, deflate, br", true},
           {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
           {"  deflate ,\tgzip ; q=0.5 ", true},
           {"gzip;q=0.001", true},
           {"*", true},
           {"*;q=0.5", true},
           {"", false},
           {"identity", false},
           {"deflate, br", false},
           {"gzip;q=0", false},
           {"gzip;q=0.000", false},
           {"*, gzip;q=0", false}, // gzip named: its own q decides, not the wildcard's
           {"gzip;q=0, *", false},
           {"*;q=0", false},
           {"gzip;q=abc", false}, // a malformed q counts as 0
           {"gzip;q=2", false},
           {"gzip;q=-1", false},
           {"gzip;level=9", true}, // other parameters are not q
           {"gzipx", false},
           {"gzi", false},
           {",,,", false},
           {"gzip;q=0, gzip;q=1", true}, // listed twice: the better one
       }) {
    INFO(r.header);
    CHECK(accepts_gzip(r.header) == r.gzip);
  }
}

TEST_CASE("gzip and gunzip round-trip whatever they are given") {
  std::mt19937_64 rng(7);
  std::string noise(200'000, '\0');
  for (auto& ch : noise)
    ch = static_cast<char>(rng());
  std::string seats = "{\"seats\":[";
  for (int i = 0; i < 20'000; ++i)
    seats += "{\"seatId\":\"101-A-" + std::to_string(i) + "\",\"status\":\"available\"},";
  seats += "]}";
  for (const std::string& data : {std::string{}, std::string("x"), noise, seats})
    for (int level : {1, 6, 9}) {
      INFO(data.size(), " bytes at level ", level);
      const auto z = gzip(data, level);
      REQUIRE(z.size() >= 18); // header and trailer at least
      CHECK(static_cast<unsigned char>(z[0]) == 0x1f);
      CHECK(static_cast<unsigned char>(z[1]) == 0x8b);
      CHECK(gunzip(z, data.size()) == data);
    }
  CHECK(gzip(seats).size() * 5 < seats.size()); // the point of it
}

TEST_CASE("gunzip refuses what is not one whole gzip member within its bound") {
  const std::string data(10'000, 'a');
  const auto z = gzip(data);
  CHECK(gunzip(z, data.size()).has_value());
  CHECK_FALSE(gunzip(z, data.size() - 1).has_value()); // would inflate beyond the bound
  CHECK_FALSE(gunzip(z.substr(0, z.size() - 1), data.size()).has_value()); // truncated
  CHECK_FALSE(gunzip(z + "junk", data.size()).has_value());                // trailing bytes
  CHECK_FALSE(gunzip("", 100).has_value());
  CHECK_FALSE(gunzip("not gzip at all", 100).has_value());
  auto corrupt = z;
  corrupt[corrupt.size() - 6] ^= 0x01; // the CRC-32 in the trailer
  CHECK_FALSE(gunzip(corrupt, data.size()).has_value());
}
