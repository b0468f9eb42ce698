// A 64-bit key hash that spreads every input bit (the splitmix64 finalizer), for maps whose
// bucket or shard index takes the hash's low or high bits. Real keys share low bits (ids
// with a stride, aligned addresses: the map scenario's keys are multiples of 64), and
// std::hash<uint64_t> is the identity in libstdc++, so a power-of-two table (TBB's maps,
// the sharded maps' shard choice) would pile them into a 64th of its buckets.
// Not a primitive: a helper of the map primitives.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lfbench::prim::detail {

inline constexpr std::uint64_t mix64(std::uint64_t k) noexcept {
  k ^= k >> 30;
  k *= 0xBF58476D1CE4E5B9ull;
  k ^= k >> 27;
  k *= 0x94D049BB133111EBull;
  k ^= k >> 31;
  return k;
}

// Maps x onto [0, n) by its high bits (multiply-shift, Lemire's "fastrange"): no division, and
// even for any n. x must be spread over all 64 bits (mix64's output, a full generator draw):
// a value below 2^48 maps to 0 for every n <= 2^16.
inline constexpr std::size_t scale(std::uint64_t x, std::size_t n) noexcept {
  return static_cast<std::size_t>((static_cast<unsigned __int128>(x) * n) >> 64);
}

// As a hasher (std::unordered_map / tbb::concurrent_unordered_map) and as TBB's HashCompare.
struct MixHash {
  std::size_t operator()(std::uint64_t k) const noexcept { return static_cast<std::size_t>(mix64(k)); }
  std::size_t hash(std::uint64_t k) const noexcept { return (*this)(k); }
  bool equal(std::uint64_t a, std::uint64_t b) const noexcept { return a == b; }
};

}  // namespace lfbench::prim::detail
