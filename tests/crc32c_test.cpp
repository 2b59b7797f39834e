// CRC-32C (Castagnoli) against its published check values: every journal row,
// snapshot and venue is verified with it, so a wrong table would turn every
// read of an older file into "checksum mismatch" or, worse, miss real damage.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/crc32c.hpp"

using namespace holdfast;

TEST_CASE("crc32c: the standard check value and RFC 3720's vectors") {
  CHECK(crc32c("123456789") == 0xE3069283u); // the catalogue's check value for CRC-32C
  CHECK(crc32c("") == 0u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);   // RFC 3720 B.4: 32 bytes of zeros
  CHECK(crc32c(std::string(32, '\xFF')) == 0x62A8AB43u); // 32 bytes of ones
  std::string ascending;
  for (int i = 0; i < 32; ++i)
    ascending += static_cast<char>(i);
  CHECK(crc32c(ascending) == 0x46DD794Eu); // 32 incrementing bytes
}

TEST_CASE("crc32c: a seed continues a checksum, and a flipped bit changes it") {
  const std::string_view text = "holdfast journal row";
  const uint32_t whole = crc32c(text);
  const uint32_t head = crc32c(text.substr(0, 7));
  CHECK(crc32c(text.data() + 7, text.size() - 7, head) == whole);
  std::string flipped{text};
  for (size_t bit = 0; bit < flipped.size() * 8; ++bit) {
    flipped[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    CHECK(crc32c(flipped) != whole);
    flipped[bit / 8] ^= static_cast<char>(1 << (bit % 8));
  }
}
