// Invariant checks that stay on in release builds. A failed invariant means the
// program's own logic is wrong; continuing could sell a seat twice, so we stop.
#pragma once

namespace holdfast {

[[noreturn]] void assert_fail(const char* expr, const char* file, int line);

} // namespace holdfast

#define HF_ASSERT(cond)                                                                            \
  ((cond) ? static_cast<void>(0) : ::holdfast::assert_fail(#cond, __FILE__, __LINE__))
