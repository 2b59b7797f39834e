#include "core/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace holdfast {

void assert_fail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "holdfast: invariant violated: %s at %s:%d\n", expr, file, line);
  std::fflush(stderr);
  std::abort();
}

} // namespace holdfast
