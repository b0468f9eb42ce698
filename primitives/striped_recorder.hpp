// A recorder with one cell per thread, merged on read: each thread writes only its own cell
// (found by its thread slot), with plain loads and stores of atomics and no read-modify-write,
// so records from different threads share no cache line; a snapshot walks every cell.
// The per-thread counter of the field's findings, applied to count, sum, min, max and buckets.
// Progress: wait-free for record (after a thread's first record, which allocates its cell)
// and for snapshot.
// Ordering: a cell's fields are written only by its owner, relaxed: they are statistics and
// each reader's count stays monotonic by per-cell coherence. A cell pointer is published with
// release and read with acquire, so a reader that finds a cell sees it initialised.
// Snapshots are not consistent: cells and fields are read one by one.
// Not for: frequent snapshots with many threads (a snapshot reads every cell's lines), or
// memory-tight uses: a cell per thread that ever recorded, kept for the recorder's life.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "concepts.hpp"
#include "thread_slot.hpp"

namespace lfbench::prim {

template <Fields F>
class StripedRecorder {
 public:
  static constexpr std::string_view name = "striped_recorder";
  static constexpr Traits traits{.progress = Progress::wait_free};
  static constexpr Fields fields = F;

  StripedRecorder() : cells_(std::make_unique<std::atomic<Cell*>[]>(detail::kMaxThreadSlots)) {}
  StripedRecorder(const StripedRecorder&) = delete;
  StripedRecorder& operator=(const StripedRecorder&) = delete;
  // REQUIRES: no thread records or snapshots.
  ~StripedRecorder() {
    for (unsigned i = 0; i < detail::kMaxThreadSlots; ++i) delete cells_[i].load(std::memory_order_relaxed);
  }

  void record(double v) noexcept {
    const unsigned slot = detail::thread_slot();
    // relaxed: only this thread stores this slot's pointer, or the slot's previous owner,
    // whose stores the slot claim's acquire made visible (thread_slot.hpp).
    Cell* c = cells_[slot].load(std::memory_order_relaxed);
    if (c == nullptr) c = make_cell(slot);
    // Single writer per cell: load + store, no locked RMW; relaxed: a statistic.
    bump(c->count, 1);
    c->sum.store(c->sum.load(std::memory_order_relaxed) + v, std::memory_order_relaxed);
    if constexpr (has_extremes(F)) {
      if (v < c->min.load(std::memory_order_relaxed)) c->min.store(v, std::memory_order_relaxed);
      if (v > c->max.load(std::memory_order_relaxed)) c->max.store(v, std::memory_order_relaxed);
    }
    if constexpr (has_buckets(F)) bump(c->buckets[recorder_bucket(v)], 1);
  }

  Recorded snapshot() const noexcept {
    Recorded r;
    // relaxed: a slot recorded before this snapshot raised used_ before that record, so
    // coherence shows it; a later one's cell may be missed or read, either is allowed.
    const unsigned n = used_.load(std::memory_order_relaxed);
    for (unsigned i = 0; i < n; ++i) {
      const Cell* c = cells_[i].load(std::memory_order_acquire);  // pairs with make_cell's release
      if (c == nullptr) continue;
      // relaxed: statistics; per-cell coherence keeps the merged count monotonic per reader.
      r.count += c->count.load(std::memory_order_relaxed);
      r.sum += c->sum.load(std::memory_order_relaxed);
      if constexpr (has_extremes(F)) {
        r.min = std::min(r.min, c->min.load(std::memory_order_relaxed));
        r.max = std::max(r.max, c->max.load(std::memory_order_relaxed));
      }
      if constexpr (has_buckets(F))
        for (unsigned b = 0; b < kRecorderBuckets; ++b) r.buckets[b] += c->buckets[b].load(std::memory_order_relaxed);
    }
    return r;
  }

  std::size_t memory_bytes() const noexcept {
    std::size_t cells = 0;
    const unsigned n = used_.load(std::memory_order_relaxed);  // relaxed: a figure, not a proof
    for (unsigned i = 0; i < n; ++i) cells += cells_[i].load(std::memory_order_relaxed) != nullptr;
    return sizeof(*this) + detail::kMaxThreadSlots * sizeof(std::atomic<Cell*>) + cells * sizeof(Cell);
  }

 private:
  struct alignas(cacheline) Cell {
    std::atomic<std::uint64_t> count{0};
    std::atomic<double> sum{0};
    std::atomic<double> min{Recorded{}.min};
    std::atomic<double> max{Recorded{}.max};
    std::array<std::atomic<std::uint64_t>, has_buckets(F) ? kRecorderBuckets : 0> buckets{};
  };

  static void bump(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);  // owner only; relaxed: a statistic
  }

  [[gnu::noinline]] Cell* make_cell(unsigned slot) {
    Cell* c = new Cell();
    // release: a snapshot that loads the pointer (acquire) sees the cell initialised.
    cells_[slot].store(c, std::memory_order_release);
    unsigned cur = used_.load(std::memory_order_relaxed);
    // relaxed: used_ only bounds the walk; the pointer's release/acquire orders the cell.
    while (cur < slot + 1 && !used_.compare_exchange_weak(cur, slot + 1, std::memory_order_relaxed)) {
    }
    return c;
  }

  std::unique_ptr<std::atomic<Cell*>[]> cells_;  // indexed by thread slot, null until it records
  alignas(cacheline) std::atomic<unsigned> used_{0};  // 1 + the highest slot with a cell
};

static_assert(Recorder<StripedRecorder<Fields::counter>>);
static_assert(Recorder<StripedRecorder<Fields::stats>>);
static_assert(Recorder<StripedRecorder<Fields::histogram>>);

}  // namespace lfbench::prim
