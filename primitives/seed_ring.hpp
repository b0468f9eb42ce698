// Case 000's "lock-free ring buffer" for logs, transcribed faithfully from its Go so that the
// queue scenario's oracle can be shown to catch it. KNOWN BROKEN: never use it; reports and
// recommendations never rank it (traits.known_broken).
//
// The Go: Push loads writePos, checks "full" against readPos, claims the slot by a CAS on
// writePos, and only then stores the item into buffer[writePos]; Pop loads both positions,
// claims by a CAS on readPos, and then loads buffer[readPos]. So (a) a consumer can claim a
// slot whose item is not stored yet and read the previous lap's item (a duplicate, and the
// new item is later lost or read twice), and (b) once a consumer has claimed a slot, a
// producer may overwrite it before the consumer's load (one item lost, another read twice).
// Positions wrap modulo capacity, so a ring of capacity N holds N-1 items, as in the Go.
// Go's atomics are sequentially consistent: so are these. Its buffer[i] is an atomic.Value
// (a whole item stored or loaded at once); here a slot is the item's 64-bit words, each
// stored and loaded atomically, so a reader may also see an item half overwritten — the same
// bug (the item is read while it is not, or no longer, the claimed one), another symptom.
// Progress: lock-free, as claimed by the case; Ordering: claimed FIFO, not delivered.
// Not for: anything. REQUIRES: value_type trivially copyable, its size a multiple of 8.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>

#include "concepts.hpp"

namespace lfbench::prim {

template <class V>
class SeedRing {
  static_assert(std::is_trivially_copyable_v<V> && sizeof(V) % 8 == 0, "slots are stored as 64-bit words");
  static constexpr std::size_t kWords = sizeof(V) / 8;

 public:
  using value_type = V;
  static constexpr std::string_view name = "seed_ring";
  static constexpr Traits traits{.progress = Progress::lock_free,
                                 .producers = Producers::multi,
                                 .consumers = Producers::multi,
                                 .bounded = true,
                                 .order = Order::fifo,
                                 .known_broken = true};

  explicit SeedRing(QueueConfig c = {})
      : capacity_(static_cast<std::int64_t>(c.capacity < 2 ? 2 : c.capacity)),
        words_(std::make_unique<std::uint64_t[]>(static_cast<std::size_t>(capacity_) * kWords)) {}

  bool try_push(const V& item) {
    for (;;) {
      std::int64_t write_pos = write_pos_.value.load();  // seq_cst, as Go's atomic.LoadInt64
      const std::int64_t next_pos = (write_pos + 1) % capacity_;
      const std::int64_t read_pos = read_pos_.value.load();
      if (next_pos == read_pos) return false;  // "Buffer full"
      // "Try to claim this position"
      if (write_pos_.value.compare_exchange_strong(write_pos, next_pos)) {
        store(write_pos, item);  // "Successfully claimed position, store the item" — too late
        return true;
      }
    }
  }

  bool try_pop(V& out) {
    for (;;) {
      std::int64_t read_pos = read_pos_.value.load();
      const std::int64_t write_pos = write_pos_.value.load();
      if (read_pos == write_pos) return false;  // "Buffer is empty"
      const std::int64_t next_pos = (read_pos + 1) % capacity_;
      if (read_pos_.value.compare_exchange_strong(read_pos, next_pos)) {
        load(read_pos, out);  // "Successfully claimed position, load the item" — maybe not there
        return true;
      }
    }
  }

 private:
  void store(std::int64_t slot, const V& item) {
    std::uint64_t w[kWords];
    std::memcpy(w, &item, sizeof(V));
    std::uint64_t* dst = &words_[static_cast<std::size_t>(slot) * kWords];
    for (std::size_t i = 0; i < kWords; ++i) std::atomic_ref<std::uint64_t>(dst[i]).store(w[i]);  // seq_cst, as Go
  }
  void load(std::int64_t slot, V& out) const {
    std::uint64_t w[kWords];
    std::uint64_t* src = &words_[static_cast<std::size_t>(slot) * kWords];
    for (std::size_t i = 0; i < kWords; ++i) w[i] = std::atomic_ref<std::uint64_t>(src[i]).load();  // seq_cst
    std::memcpy(&out, w, sizeof(V));
  }

  const std::int64_t capacity_;
  std::unique_ptr<std::uint64_t[]> words_;
  Padded<std::atomic<std::int64_t>> write_pos_;
  Padded<std::atomic<std::int64_t>> read_pos_;
};

static_assert(Queue<SeedRing<std::uint64_t>>);

}  // namespace lfbench::prim
