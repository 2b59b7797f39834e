// holdfast-audit <data_dir>: checks a cluster's shard databases offline. Prints a
// summary; exit 0 = passed, 1 = a violation was found, 2 = a file could not be
// read (or there is none: a directory without shard databases is no pass).
#include <cstdio>
#include <string_view>

#include "persistence/audit.hpp"

namespace {

constexpr const char* usage_text =
    "usage: holdfast-audit DATA_DIR\n"
    "       holdfast-audit --help | --version\n"
    "\n"
    "Checks a node's data directory offline (while the node runs, or after it\n"
    "stopped): no seat sold twice, no GA area over capacity, every order with its\n"
    "seats and exactly one payment, no money kept without an order, and every\n"
    "snapshot equal to the journal it summarises.\n"
    "Exit codes: 0 passed; 1 a violation was found; 2 usage, or a file could not\n"
    "be read, or DATA_DIR holds no shard databases.\n";

} // namespace

int main(int argc, char** argv) {
  const std::string_view arg = argc > 1 ? argv[1] : "";
  if (arg == "--help" || arg == "-h") {
    std::fputs(usage_text, stdout);
    return 0;
  }
  if (arg == "--version") {
    std::printf("holdfast-audit %s\n", HOLDFAST_VERSION);
    return 0;
  }
  if (argc != 2 || arg.starts_with("-")) {
    std::fputs(usage_text, stderr);
    return 2;
  }
  const auto report = holdfast::audit_data_dir(argv[1]);
  std::printf("holdfast-audit %s: %u shards, %lu events, %lu records, %lu orders, %lu seats sold, "
              "%lu GA places sold, %lu live holds, %lu snapshot/replay comparisons; payments: %lu "
              "attempts, %lu captured (%ld cents), %lu refunded, %lu declined, %lu in flight\n",
              argv[1], report.shards, static_cast<unsigned long>(report.events),
              static_cast<unsigned long>(report.records), static_cast<unsigned long>(report.orders),
              static_cast<unsigned long>(report.seats_sold),
              static_cast<unsigned long>(report.ga_places_sold),
              static_cast<unsigned long>(report.live_holds),
              static_cast<unsigned long>(report.snapshot_comparisons),
              static_cast<unsigned long>(report.payment_attempts),
              static_cast<unsigned long>(report.payments_captured),
              static_cast<long>(report.captured_cents),
              static_cast<unsigned long>(report.payments_refunded),
              static_cast<unsigned long>(report.payments_declined),
              static_cast<unsigned long>(report.payments_in_flight));
  for (const auto& e : report.errors)
    std::printf("ERROR: %s\n", e.c_str());
  for (const auto& v : report.violations)
    std::printf("VIOLATION: %s\n", v.c_str());
  if (!report.errors.empty()) return 2;
  if (!report.violations.empty()) return 1;
  std::printf("audit passed: no seat sold twice, no GA area over capacity, every order has its "
              "seats and exactly one payment, no money kept without an order\n");
  return 0;
}
