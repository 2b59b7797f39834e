// CRC-32C (Castagnoli) over a byte range: the checksum every journal row and
// snapshot carries, so a torn or flipped record is caught on read, not replayed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace holdfast {

uint32_t crc32c(const void* data, size_t size, uint32_t seed = 0);
inline uint32_t crc32c(std::string_view s) {
  return crc32c(s.data(), s.size());
}

} // namespace holdfast
