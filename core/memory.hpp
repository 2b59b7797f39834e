// Process-wide allocator settings for holdfast programs.
#pragma once

namespace holdfast {

// Keeps large allocations (snapshot copies, batch vectors) in the malloc heap
// instead of fresh mmap()ed pages that are unmapped again on free: on these
// VMs every page fault costs microseconds, and a 50,000-seat snapshot copy
// took 7-8 ms in page faults alone versus 0.3-0.5 ms from a warm heap.
// Memory freed stays with the process (it is reused, not returned to the OS).
void keep_large_allocations_in_heap();

} // namespace holdfast
