#include "net/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/assert.hpp"
#include "core/limits.hpp"

namespace holdfast {

namespace {
constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 63u]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 63u]);
  return out;
}

namespace {
// alphabet's inverse: 0..63, or 255 for a byte outside it.
constexpr std::array<uint8_t, 256> alphabet_index = [] {
  std::array<uint8_t, 256> index{};
  index.fill(255);
  for (size_t k = 0; k < alphabet.size(); ++k)
    index[static_cast<unsigned char>(alphabet[k])] = static_cast<uint8_t>(k);
  return index;
}();
} // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
  // A lone last character (length 4n+1) carries 6 bits, less than a byte: no
  // encoder writes one. Refused, like nonzero leftover bits below, so each byte
  // string has exactly one spelling (found by tests/fuzz/tokens_fuzz.cpp: "A"
  // decoded to "", "AAAAA" to the bytes of "AAAA").
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4 + 1);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const uint8_t pos = alphabet_index[static_cast<unsigned char>(c)];
    if (pos == 255) return std::nullopt;
    acc = (acc << 6) | pos;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFFu));
    }
  }
  // Leftover bits must be zero: else four spellings decode to the same bytes.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

uint64_t random_u64() {
  uint64_t x = 0;
  while (x == 0)
    HF_ASSERT(RAND_bytes(reinterpret_cast<unsigned char*>(&x), sizeof x) == 1);
  return x;
}

hmac_sha256_key::hmac_sha256_key(std::string_view key) {
  constexpr size_t block_bytes = 64; // SHA-256's block
  unsigned char block[block_bytes] = {};
  if (key.size() > block_bytes) {
    unsigned int len = 0;
    HF_ASSERT(EVP_Digest(key.data(), key.size(), block, &len, EVP_sha256(), nullptr) == 1);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char ipad[block_bytes], opad[block_bytes];
  for (size_t k = 0; k < block_bytes; ++k) {
    ipad[k] = block[k] ^ 0x36;
    opad[k] = block[k] ^ 0x5c;
  }
  inner_ = EVP_MD_CTX_new();
  outer_ = EVP_MD_CTX_new();
  HF_ASSERT(inner_ != nullptr && outer_ != nullptr);
  HF_ASSERT(EVP_DigestInit_ex(inner_, EVP_sha256(), nullptr) == 1);
  HF_ASSERT(EVP_DigestUpdate(inner_, ipad, block_bytes) == 1);
  HF_ASSERT(EVP_DigestInit_ex(outer_, EVP_sha256(), nullptr) == 1);
  HF_ASSERT(EVP_DigestUpdate(outer_, opad, block_bytes) == 1);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(ipad, sizeof ipad);
  OPENSSL_cleanse(opad, sizeof opad);
}

hmac_sha256_key::~hmac_sha256_key() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

void hmac_sha256_key::sign(std::string_view data, unsigned char (&out)[32]) const {
  struct scratch {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~scratch() { EVP_MD_CTX_free(ctx); }
  };
  thread_local scratch work;
  HF_ASSERT(work.ctx != nullptr);
  unsigned char inner_hash[32];
  unsigned int len = 0;
  HF_ASSERT(EVP_MD_CTX_copy_ex(work.ctx, inner_) == 1);
  HF_ASSERT(EVP_DigestUpdate(work.ctx, data.data(), data.size()) == 1);
  HF_ASSERT(EVP_DigestFinal_ex(work.ctx, inner_hash, &len) == 1 && len == sizeof inner_hash);
  HF_ASSERT(EVP_MD_CTX_copy_ex(work.ctx, outer_) == 1);
  HF_ASSERT(EVP_DigestUpdate(work.ctx, inner_hash, sizeof inner_hash) == 1);
  HF_ASSERT(EVP_DigestFinal_ex(work.ctx, out, &len) == 1 && len == 32);
}

std::string hmac_sha256_key::sign(std::string_view data) const {
  unsigned char out[32];
  sign(data, out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string sign_token(const hmac_sha256_key& key, std::string_view payload) {
  const std::string encoded = base64url_encode(payload);
  return encoded + "." + base64url_encode(key.sign(encoded));
}

std::optional<std::string> open_token(const hmac_sha256_key& key, std::string_view token,
                                      size_t chars_max) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > chars_max) return std::nullopt;
  const auto encoded = token.substr(0, dot);
  const auto given = base64url_decode(token.substr(dot + 1));
  unsigned char expected[32];
  key.sign(encoded, expected);
  if (!given || given->size() != sizeof expected ||
      CRYPTO_memcmp(given->data(), expected, sizeof expected) != 0)
    return std::nullopt;
  return base64url_decode(encoded);
}

token_authority::token_authority(std::string secret)
    : key_(secret), card_key_(hmac_sha256(secret, "holdfast card fingerprint key v1")) {
  HF_ASSERT(secret.size() >= 16);
}

std::string token_authority::card_fingerprint(std::string_view card_number) const {
  static_assert(limits::card_fingerprint_bytes <= limits::card_fingerprint_bytes_max);
  return card_key_.sign(card_number).substr(0, limits::card_fingerprint_bytes);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HF_ASSERT(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                 &len) != nullptr);
  HF_ASSERT(len == sizeof out);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Payload: "v1|<user>|<expires_at_ms>|<name>"; the name goes last so it may
// contain any character.
std::string token_authority::issue(const user_claims& c) const {
  const std::string payload =
      "v1|" + std::to_string(c.user) + "|" + std::to_string(c.expires_at_ms) + "|" + c.name;
  return sign_token(key_, payload);
}

std::optional<user_claims> token_authority::verify(std::string_view token, int64_t now_ms) const {
  const auto payload = open_token(key_, token, limits::user_token_chars_max);
  if (!payload || payload->rfind("v1|", 0) != 0) return std::nullopt;
  std::string_view rest = std::string_view(*payload).substr(3);
  user_claims c;
  const auto bar1 = rest.find('|');
  if (bar1 == std::string_view::npos) return std::nullopt;
  if (std::from_chars(rest.data(), rest.data() + bar1, c.user).ec != std::errc{})
    return std::nullopt;
  rest.remove_prefix(bar1 + 1);
  const auto bar2 = rest.find('|');
  if (bar2 == std::string_view::npos) return std::nullopt;
  if (std::from_chars(rest.data(), rest.data() + bar2, c.expires_at_ms).ec != std::errc{})
    return std::nullopt;
  c.name = std::string(rest.substr(bar2 + 1));
  if (c.user == 0 || now_ms >= c.expires_at_ms) return std::nullopt;
  return c;
}

namespace {

// Reads `path` into `out`, or creates it with what `make` returns. A new file is never visible with
// other modes or half written: it is made under a temporary name with O_EXCL and mode 0600 (no
// window in which another user can open it), fsynced, renamed into place, and the directory
// fsynced, so a crash leaves either no file or the whole one. An existing file keeps its contents
// and loses any group or other access.
status load_or_create(const std::string& path, size_t bytes_min,
                      const std::function<std::string()>& make, std::string& out) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str().size() < bytes_min)
        return status::failure(path + " is shorter than " + std::to_string(bytes_min) + " bytes");
      if (chmod(path.c_str(), 0600) != 0)
        return status::failure("cannot make " + path +
                               " private (mode 0600): " + std::strerror(errno));
      out = ss.str();
      return status::success();
    }
  }
  const std::string made = make();
  const std::string tmp = path + ".tmp";
  auto fail = [&](const std::string& what) {
    auto failed = status::failure(what + " " + tmp + ": " + std::strerror(errno));
    ::unlink(tmp.c_str());
    return failed;
  };
  ::unlink(tmp.c_str()); // left by a crash during an earlier start
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create");
  size_t written = 0;
  while (written < made.size()) {
    const ssize_t n = ::write(fd, made.data() + written, made.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fail("cannot write");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return fail("cannot fsync");
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  const auto dir = std::filesystem::path(path).parent_path();
  const int dir_fd =
      ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  out = made;
  return status::success();
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  HF_ASSERT(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) == 1);
  return out;
}

} // namespace

status load_or_create_secret(const std::string& data_dir, std::string& secret) {
  return load_or_create(
      data_dir + "/node.secret", 32, [] { return random_bytes(32); }, secret);
}

status load_or_create_admin_token(const std::string& data_dir, std::string& token) {
  auto st = load_or_create(
      data_dir + "/admin.token", 32,
      [] {
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        for (unsigned char b : random_bytes(32)) {
          out += hex[b >> 4];
          out += hex[b & 15];
        }
        return out;
      },
      token);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back(); // an operator may have written it with an editor
  if (st && token.empty()) return status::failure(data_dir + "/admin.token is blank");
  return st;
}

} // namespace holdfast
