// The one test main: doctest runs every test case; CAF's unit-test engine is
// linked in (without its own main) because caf/test/dsl.hpp needs it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>
