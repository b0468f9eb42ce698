// Scenario `map` (case 003's 64-shard ConcurrentMap, case 004's label store): a map from
// 64-bit keys to 64-bit ids shared by all threads. Each operation is a lookup (find) with
// probability read_pct, else a get_or_add proposing a fresh id unique to this thread.
//
// Keys: 2 x `keys` key indices, key = index << 6 (ids with a stride, like aligned addresses:
// the case a naive key % shards gets wrong). Indices [0, keys) are prefilled before every
// window; an operation aims at them with probability hit_pct, else at [keys, 2 keys), which
// are absent until some operation adds them (so the real hit share is >= hit_pct; it is
// reported as get_or_add_hit_pct). Within a region the index follows `skew`: uniform, or Zipf
// with theta = 0.99 (rank 0 hottest). Each thread draws a table of indices in the Cell
// constructor; the loop only reads it (no allocation, no lock, no shared state).
//
// State between windows: begin_window() (untimed) builds a fresh map, reserves 2 x keys,
// prefills [0, keys) with known ids and zeroes each thread's record, so every window starts
// from the same state and verify() sees only that window's operations.
//
// Ids carry their key: every id proposed for key index i has i in its low kIndexBits bits (and
// the proposing thread and a sequence number above), so checking an id handed back costs a
// mask and a compare in registers, not a store per operation into a table (memory traffic in
// every measured operation, not small next to a cheap map's own).
//
// Verify: during the window, every id a thread was handed (get_or_add or find) belongs to the
// key it asked for. After it (quiescent): every key in the map holds an id of its own key;
// prefilled keys still have their prefill id; no two keys have the same id; size() equals the
// prefilled keys plus the keys added; and exactly as many get_or_add calls got their own id
// back as keys were added (two threads both "inserting" one key, or an insert lost, breaks it).
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); map.cpp registers the scenario.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "harness/scenario.hpp"

namespace lfbench::scenario::map {

inline constexpr std::string_view id = "map";

enum MapKind : unsigned { kFind = 0, kAdd = 1 };

inline constexpr std::size_t kTable = 1 << 16;  // key indices drawn per thread (power of two)
inline constexpr std::uint64_t kPrefillTag = 1ull << 63;
inline constexpr unsigned kIndexBits = 21;  // key indices < 2 x max keys = 2^21
inline constexpr std::uint64_t kIndexMask = (1ull << kIndexBits) - 1;
inline constexpr unsigned kSeqBits = 27;    // then a per-thread sequence, then the thread
inline constexpr std::uint64_t kSeqMask = (1ull << kSeqBits) - 1;
inline constexpr double kZipfTheta = 0.99;

inline std::uint64_t key_of(std::uint64_t index) { return index << 6; }

inline std::uint64_t xorshift(std::uint64_t& x) {
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

// kTable indices in [0, n), uniform or Zipf(theta) by inverse CDF (built here, untimed).
inline std::vector<std::uint32_t> draw_indices(std::size_t n, bool zipf, std::uint64_t seed) {
  std::vector<std::uint32_t> out(kTable);
  std::uint64_t x = seed;
  if (!zipf) {
    for (auto& i : out) i = static_cast<std::uint32_t>(xorshift(x) % n);
    return out;
  }
  std::vector<double> cdf(n);
  double sum = 0;
  for (std::size_t r = 0; r < n; ++r) cdf[r] = sum += 1.0 / std::pow(static_cast<double>(r + 1), kZipfTheta);
  for (auto& i : out) {
    const double u = static_cast<double>(xorshift(x) >> 11) * 0x1.0p-53 * sum;
    i = static_cast<std::uint32_t>(std::min<std::size_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin(), n - 1));
  }
  return out;
}

template <class P>
class MapCell final : public Cell {
 public:
  explicit MapCell(const CellSpec& s)
      : read_per_64k_(static_cast<std::uint32_t>(s.params.integer("read_pct") * 65536 / 100)),
        hit_per_64k_(static_cast<std::uint32_t>(s.params.integer("hit_pct") * 65536 / 100)),
        keys_(static_cast<std::size_t>(s.params.integer("keys"))),
        shards_(s.params.has("shards") ? static_cast<std::size_t>(s.params.integer("shards")) : 1),
        per_thread_(s.threads) {
    const bool zipf = s.params.has("skew") && s.params.text("skew") == "zipf";
    for (unsigned t = 0; t < s.threads; ++t) indices_.push_back(draw_indices(keys_, zipf, 0x9E3779B97F4A7C15ull * (t + 1)));
  }

  void begin_window() override {
    map_.reset();
    if constexpr (std::is_constructible_v<P, prim::MapConfig>)
      map_ = std::make_unique<P>(prim::MapConfig{.shards = shards_, .capacity = 2 * keys_});
    else
      map_ = std::make_unique<P>();
    for (std::size_t i = 0; i < keys_; ++i) map_->get_or_add(key_of(i), kPrefillTag | i);
    for (auto& t : per_thread_) t.value = {};
  }

  void run(Worker& w) override {
    std::uint64_t x = 0x2545F4914F6CDD1Dull * (w.tid() + 1);
    const std::uint32_t* table = indices_[w.tid()].data();
    P& map = *map_;
    // Ids proposed by this thread: unique across threads (thread number in the high bits) and
    // across its own calls (the sequence), with the key index in the low bits.
    const std::uint64_t thread_bits = static_cast<std::uint64_t>(w.tid() + 1) << (kIndexBits + kSeqBits);
    std::uint64_t seq = 0;
    std::uint64_t conflicts = 0, adds = 0, inserted = 0;
    w.loop([&]() -> unsigned {
      const std::uint64_t r = xorshift(x);
      const std::size_t idx = table[(r >> 32) & (kTable - 1)] + (((r >> 16) & 0xFFFF) < hit_per_64k_ ? 0 : keys_);
      std::uint64_t id = 0;
      unsigned kind = kFind;
      if ((r & 0xFFFF) < read_per_64k_) {
        if (!map.find(key_of(idx), &id)) return kFind;
      } else {
        const std::uint64_t mine = thread_bits | ((++seq & kSeqMask) << kIndexBits) | idx;
        id = map.get_or_add(key_of(idx), mine);
        inserted += id == mine;
        ++adds;
        kind = kAdd;
      }
      conflicts += (id & kIndexMask) != idx;  // handed an id of another key
      return kind;
    });
    per_thread_[w.tid()].value = State{conflicts, adds, inserted};
  }

  Verdict verify() override {
    std::uint64_t conflicts = 0, adds = 0, inserted = 0;
    for (const auto& t : per_thread_) {
      conflicts += t.value.conflicts;
      adds += t.value.adds;
      inserted += t.value.inserted;
    }
    if (conflicts != 0)
      return {false, std::to_string(conflicts) + " times a thread was handed an id that belongs to another key"};
    std::vector<std::uint64_t> ids;
    ids.reserve(2 * keys_);
    std::size_t added = 0;
    for (std::size_t i = 0; i < 2 * keys_; ++i) {
      std::uint64_t in_map = 0;
      const bool present = map_->find(key_of(i), &in_map);
      if (i < keys_ && (!present || in_map != (kPrefillTag | i)))
        return {false, "prefilled key " + std::to_string(i) + " lost its id"};
      if (!present) continue;
      if ((in_map & kIndexMask) != i)
        return {false, "key " + std::to_string(i) + " holds id " + std::to_string(in_map) + ", which was proposed for another key"};
      added += i >= keys_;
      ids.push_back(in_map);
    }
    std::sort(ids.begin(), ids.end());
    if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return {false, "two keys hold the same id"};
    const std::size_t size = map_->size();
    if (size != keys_ + added)
      return {false, "size() = " + std::to_string(size) + " but " + std::to_string(keys_) + " prefilled + " +
                         std::to_string(added) + " distinct keys were added"};
    if (added != inserted)
      return {false, std::to_string(inserted) + " get_or_add calls inserted their own id but " +
                         std::to_string(added) + " keys were added (an id handed out but not kept)"};
    return {true, "every id handed out in " + std::to_string(adds) + " get_or_add calls and every find is its key's; " +
                      std::to_string(added) + " keys added, each by exactly one caller; size() = prefilled + added; ids unique"};
  }

  Metrics metrics() override {
    std::uint64_t adds = 0, inserted = 0;
    for (const auto& t : per_thread_) {
      adds += t.value.adds;
      inserted += t.value.inserted;
    }
    return {{"get_or_add_hit_pct", adds ? 100.0 * static_cast<double>(adds - inserted) / static_cast<double>(adds) : 0}};
  }

 private:
  struct State {
    std::uint64_t conflicts = 0, adds = 0, inserted = 0;
  };

  std::uint32_t read_per_64k_, hit_per_64k_;
  std::size_t keys_, shards_;
  std::unique_ptr<P> map_;
  std::vector<std::vector<std::uint32_t>> indices_;
  std::vector<prim::Padded<State>> per_thread_;
};

// P's entry here, if it is a Map; `shards` is ignored unless P says it uses it.
template <class P>
void offer() {
  if constexpr (prim::Map<P>) {
    std::vector<std::string> ignores;
    if (!prim::map_uses_shards<P>()) ignores.push_back("shards");
    add_primitive(id, entry<P, MapCell<P>>(std::move(ignores)));
  }
}

}  // namespace lfbench::scenario::map
