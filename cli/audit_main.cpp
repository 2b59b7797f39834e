// holdfast-audit <data_dir>: checks a cluster's shard databases offline. Prints a
// summary; exit 0 = passed, 1 = a violation was found, 2 = a file could not be read.
#include <cstdio>

#include "persistence/audit.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: holdfast-audit <data_dir>\n");
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
