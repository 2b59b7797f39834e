// Queue and access tokens: what this tries to break is the signature and the
// binding. A token with any byte flipped, truncated or extended, or signed
// with another secret must be refused; a token must not work for another event
// or user, nor at or after its expiry; and the kinds must not mix: a queue token
// is no access token, neither is a user bearer token, and vice versa. It also
// pins HMAC-SHA256 to RFC 4231 and the user bearer token format byte for byte,
// since auth.cpp now shares the HMAC helper.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "net/access_tokens.hpp"
#include "net/auth.hpp"

using namespace holdfast;

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// Every single-byte change of the token: each position XOR-ed with each bit,
// and each position replaced by a valid base64url character. Calls accepts()
// on each and counts how many got through.
template <class Accepts> int accepted_mutations(const std::string& token, Accepts accepts) {
  int accepted = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t = token;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      accepted += accepts(t);
    }
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    accepted += accepts(t);
  }
  for (size_t n = 0; n < token.size(); ++n)
    accepted += accepts(token.substr(0, n));
  accepted += accepts(token + "A");
  accepted += accepts(token + ".");
  return accepted;
}

} // namespace

TEST_CASE("hmac_sha256 matches RFC 4231 and the bearer token format is unchanged") {
  CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Issued by auth.cpp before hmac_sha256 existed.
  token_authority users(secret);
  CHECK(users.issue({42, "Ada | Lovelace", 1'900'000'000'000}) ==
        "djF8NDJ8MTkwMDAwMDAwMDAwMHxBZGEgfCBMb3ZlbGFjZQ."
        "JhA3X_CVfMgDNOKUDB0InhFm79xkgi27QBVFenW--x4");
}

TEST_CASE("the precomputed-key HMAC equals the one-shot HMAC for short, block-sized and long keys") {
  uint64_t x = 0x9e3779b97f4a7c15ull;
  auto next_byte = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return static_cast<char>(x & 0xff);
  };
  for (size_t key_size : {1, 16, 32, 63, 64, 65, 131}) {
    std::string key;
    for (size_t k = 0; k < key_size; ++k)
      key += next_byte();
    const hmac_sha256_key keyed{key};
    for (size_t data_size : {0, 1, 55, 56, 64, 200, 1000}) {
      std::string data;
      for (size_t k = 0; k < data_size; ++k)
        data += next_byte();
      unsigned char out[32];
      keyed.sign(data, out);
      CHECK(std::string(reinterpret_cast<char*>(out), 32) == hmac_sha256(key, data));
    }
  }
}

TEST_CASE("queue and access tokens round-trip their claims") {
  access_tokens tokens(secret);
  const auto q = tokens.verify_queue_token(tokens.issue_queue_token({7, 3, 0, 1'000}), 3);
  REQUIRE(q.has_value());
  CHECK(q->user == 7);
  CHECK(q->event == 3);
  CHECK(q->seq == 0);
  CHECK(q->issued_ms == 1'000);
  const std::string access = tokens.issue_access_token({UINT64_MAX, 4'000'000'000u, 12, 5'000});
  const auto a = tokens.verify_access_token(access, UINT64_MAX, 4'000'000'000u, 4'999);
  REQUIRE(a.has_value());
  CHECK(a->admitted_seq == 12);
  CHECK(a->expires_at_ms == 5'000);
}

TEST_CASE("a token with any byte changed, or signed with another secret, is refused") {
  access_tokens tokens(secret);
  const std::string queue = tokens.issue_queue_token({7, 3, 99, 1'000});
  const std::string access = tokens.issue_access_token({7, 3, 99, 60'000});
  REQUIRE(tokens.verify_queue_token(queue, 3));
  REQUIRE(tokens.verify_access_token(access, 7, 3, 0));
  CHECK(accepted_mutations(queue, [&](const std::string& t) {
          return tokens.verify_queue_token(t, 3).has_value();
        }) == 0);
  CHECK(accepted_mutations(access, [&](const std::string& t) {
          return tokens.verify_access_token(t, 7, 3, 0).has_value();
        }) == 0);
  std::string other_secret = secret;
  other_secret[0] ^= 1;
  access_tokens forger(other_secret);
  CHECK_FALSE(tokens.verify_queue_token(forger.issue_queue_token({7, 3, 99, 1'000}), 3));
  CHECK_FALSE(tokens.verify_access_token(forger.issue_access_token({7, 3, 99, 60'000}), 7, 3, 0));
  CHECK_FALSE(tokens.verify_access_token("", 7, 3, 0));
  CHECK_FALSE(tokens.verify_access_token(".", 7, 3, 0));
  CHECK_FALSE(tokens.verify_access_token(std::string(300, 'A') + "." + "A", 7, 3, 0));
}

TEST_CASE("a token is bound to its event and user, and expires") {
  access_tokens tokens(secret);
  const std::string queue = tokens.issue_queue_token({7, 3, 5, 1'000});
  CHECK(tokens.verify_queue_token(queue, 3));
  CHECK_FALSE(tokens.verify_queue_token(queue, 4));
  const std::string access = tokens.issue_access_token({7, 3, 5, 60'000});
  CHECK(tokens.verify_access_token(access, 7, 3, 59'999));
  CHECK_FALSE(tokens.verify_access_token(access, 7, 3, 60'000)); // at the expiry: gone
  CHECK_FALSE(tokens.verify_access_token(access, 7, 3, 1'000'000));
  CHECK_FALSE(tokens.verify_access_token(access, 8, 3, 0)); // another user
  CHECK_FALSE(tokens.verify_access_token(access, 7, 4, 0)); // another event
}

TEST_CASE("queue, access and user bearer tokens never pass for one another") {
  access_tokens tokens(secret);
  token_authority users(secret);
  // Same numbers in every kind, so only the domain separation tells them apart.
  const std::string queue = tokens.issue_queue_token({7, 3, 5, 60'000});
  const std::string access = tokens.issue_access_token({7, 3, 5, 60'000});
  const std::string bearer = users.issue({7, "x", 60'000});
  CHECK(tokens.verify_queue_token(queue, 3));
  CHECK(tokens.verify_access_token(access, 7, 3, 0));
  CHECK(users.verify(bearer, 0));
  CHECK_FALSE(tokens.verify_access_token(queue, 7, 3, 0));
  CHECK_FALSE(tokens.verify_queue_token(access, 3));
  CHECK_FALSE(users.verify(queue, 0));
  CHECK_FALSE(users.verify(access, 0));
  CHECK_FALSE(tokens.verify_queue_token(bearer, 3));
  CHECK_FALSE(tokens.verify_access_token(bearer, 7, 3, 0));
  // Splicing one kind's payload onto another kind's MAC does not help either.
  const auto dot = [](const std::string& t) { return t.find('.'); };
  const std::string spliced = access.substr(0, dot(access)) + queue.substr(dot(queue));
  CHECK_FALSE(tokens.verify_access_token(spliced, 7, 3, 0));
}

TEST_CASE("an access payload MAC'd under any key but the access key is refused") {
  // White box: the keys are derived from the secret as access_tokens.cpp does,
  // so each layer of the domain separation is tested on its own. The control
  // (the access key) proves the hand-made payload is otherwise well formed.
  const std::string encoded = base64url_encode("hfa1|3|7|5|60000");
  const auto token_with = [&](std::string_view key) {
    return encoded + "." + base64url_encode(hmac_sha256(key, encoded));
  };
  access_tokens tokens(secret);
  CHECK(tokens.verify_access_token(token_with(hmac_sha256(secret, "holdfast access token key v1")),
                                   7, 3, 0));
  CHECK_FALSE(tokens.verify_access_token(token_with(secret), 7, 3, 0)); // the bearer tokens' key
  CHECK_FALSE(tokens.verify_access_token(
      token_with(hmac_sha256(secret, "holdfast queue token key v1")), 7, 3, 0));
}

// Found by tests/fuzz/tokens_fuzz.cpp: a lone last character (length 4n+1)
// holds no byte, and was ignored, so "A" decoded to "" and "aGVsbG8xA" like
// "aGVsbG8x" ("hello1"): two spellings of one byte string.
TEST_CASE("base64url_decode has one spelling per byte string (no lone last character)") {
  CHECK_FALSE(base64url_decode("A"));
  CHECK_FALSE(base64url_decode("AAAAA"));
  CHECK_FALSE(base64url_decode("aGVsbG8xA"));
  for (std::string_view bytes : {"", "h", "he", "hel", "hell", "hello"}) {
    const auto text = base64url_encode(bytes);
    CHECK(text.size() % 4 != 1);
    CHECK(base64url_decode(text) == std::string(bytes));
  }
}
