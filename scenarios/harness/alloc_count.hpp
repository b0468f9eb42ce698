// Allocations counted per thread: the lfbench library replaces the global operator new (every
// form) with one that counts in a thread-local counter and calls malloc, so a window can say
// how many allocations its measuring threads made (case 002: allocations per message). The
// count is read before a window's start barrier and after its threads stop, never inside the
// loop; what it costs on the measured path is one thread-local increment per allocation the
// primitive itself makes. What it counts: C++ allocations (new, containers, std::allocator),
// not malloc called from C libraries (liburcu, ck, libcds's C parts). A sanitizer build keeps
// its runtime's operator new: nothing is counted there.
#pragma once

#include <cstdint>

namespace lfbench {

// Allocations by operator new on the calling thread since it started.
std::uint64_t thread_allocations() noexcept;
// False in a sanitizer build (the count stays 0).
bool allocations_counted() noexcept;

}  // namespace lfbench
