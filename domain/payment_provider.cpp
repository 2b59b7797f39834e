#include "domain/payment_provider.hpp"

namespace holdfast {

bool luhn_valid(std::string_view card) {
  if (card.size() < 12 || card.size() > 19) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = card.rbegin(); it != card.rend(); ++it, twice = !twice) {
    if (*it < '0' || *it > '9') return false;
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 == 0;
}

} // namespace holdfast
