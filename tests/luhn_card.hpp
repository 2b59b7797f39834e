// Test cards for the built-in provider, which approves any Luhn-valid number
// it has no special behaviour for. One card per buyer keeps tests that buy a
// lot clear of the per-card seat cap (one card pays for at most the event's
// per-user cap, however many accounts use it).
#pragma once

#include <cstdint>
#include <string>

namespace holdfast::test {

// "4", n in 14 digits, and the Luhn check digit: a different card per n.
inline std::string luhn_card(uint64_t n) {
  std::string digits = std::to_string(n % 100'000'000'000'000ull);
  digits = "4" + std::string(14 - digits.size(), '0') + digits;
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) { // doubled: every other digit from the right
    int d = digits[digits.size() - 1 - i] - '0';
    if (i % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits + std::to_string((10 - sum % 10) % 10);
}

} // namespace holdfast::test
