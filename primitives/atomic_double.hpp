// Read-modify-writes on a double kept as its bit pattern in a std::atomic<std::uint64_t>, the
// way case 001 (Go's math.Float64bits) and prometheus-cpp's Gauge do them: there is no
// hardware atomic add, min or max on a double, so each is a load and a compare_exchange loop.
// Not a primitive: a helper of the recorders that keep a double sum, min or max in atomics.
//
// Progress: lock-free (one thread's CAS succeeds per round; a thread can retry indefinitely).
// Ordering: relaxed: each word is a statistic of its own, nothing is published through it;
// callers that need ordering add it on another word.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>

namespace lfbench::prim::detail {

inline std::uint64_t bits(double v) noexcept { return std::bit_cast<std::uint64_t>(v); }
inline double value(std::uint64_t b) noexcept { return std::bit_cast<double>(b); }

inline double load_double(const std::atomic<std::uint64_t>& a) noexcept {
  return value(a.load(std::memory_order_relaxed));  // relaxed: see the file comment
}

inline void add_double(std::atomic<std::uint64_t>& a, double v) noexcept {
  std::uint64_t cur = a.load(std::memory_order_relaxed);
  // relaxed on both paths: the value is all that matters; a failed CAS reloads cur.
  while (!a.compare_exchange_weak(cur, bits(value(cur) + v), std::memory_order_relaxed)) {
  }
}

// Lowers a to v if v is smaller. Values that are no new minimum cost one load, no CAS: after
// the first records that is nearly every value, so a min/max stays cheap unless values fall.
inline void lower_double(std::atomic<std::uint64_t>& a, double v) noexcept {
  std::uint64_t cur = a.load(std::memory_order_relaxed);  // relaxed: see the file comment
  while (v < value(cur) && !a.compare_exchange_weak(cur, bits(v), std::memory_order_relaxed)) {
  }
}

inline void raise_double(std::atomic<std::uint64_t>& a, double v) noexcept {
  std::uint64_t cur = a.load(std::memory_order_relaxed);  // relaxed: see the file comment
  while (v > value(cur) && !a.compare_exchange_weak(cur, bits(v), std::memory_order_relaxed)) {
  }
}

}  // namespace lfbench::prim::detail
