// Messages and their oracle, shared by the scenarios that move messages through queues
// (queue.cpp, broker.cpp). Not a scenario: a helper header.
//
// A message carries (producer, sequence), a timestamp (tsc ticks, 0 when not sampled), a
// payload of `words` 64-bit words derived from (producer, sequence), and a checksum over
// header and payload. Messages are fixed-size structs (queues copy items by value), in three
// size classes so that a small payload is not copied as a large one: payload_bytes picks the
// smallest class that holds it (Message<4>, <32>, <128> words: 32, 256, 1024 bytes).
//
// The oracle: each receiver (a consumer thread, or the drain after a window) keeps Receipts:
// per producer, how many messages it got, the sum of a hash of their identities, the highest
// sequence seen and how often (and how far) a sequence came after a higher one. After the
// window, Ledger::verify compares the receipts of all receivers with what each producer
// pushed: counts equal (nothing lost or duplicated) and identity sums equal (not one lost and
// another duplicated), every payload intact, and per producer the order each receiver saw.
// Cost per message received: a few adds and a compare, plus the checksum over the payload
// (which is the consumer reading the message it received).
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../primitives/concepts.hpp"
#include "../primitives/mix_hash.hpp"
#include "../primitives/spin.hpp"
#include "harness/scenario.hpp"
#include "harness/worker.hpp"

namespace lfbench::msg {

using prim::detail::mix64;

template <std::size_t Words>
struct Message {
  static constexpr std::size_t kWords = Words;
  std::uint32_t producer = 0;
  std::uint32_t words = 0;  // payload words in use (<= Words)
  std::uint64_t seq = 0;
  std::uint64_t stamp = 0;  // tsc::now() at send when sampled, else 0
  std::uint64_t checksum = 0;
  std::uint64_t payload[Words] = {};
};

// The payload size classes, in words; payload_bytes picks the first that holds it.
inline constexpr std::size_t kSmall = 4, kMedium = 32, kLarge = 128;
inline constexpr std::int64_t kMaxPayloadBytes = kLarge * 8;

// The `split` parameter of queue and broker: how producers and consumers share a cell's threads.
enum class Split { one_one, one_n, n_one, n_n };
inline Split split_of(const Params& p) {
  const auto& s = p.text("split");
  return s == "1:1" ? Split::one_one : s == "1:N" ? Split::one_n : s == "N:1" ? Split::n_one : Split::n_n;
}
struct Sides {
  unsigned producers = 0, consumers = 0;
};
// n >= 2 threads shared out by the split.
inline Sides sides_of(Split split, unsigned n) {
  switch (split) {
    case Split::one_one: return {1, 1};
    case Split::one_n: return {1, n - 1};
    case Split::n_one: return {n - 1, 1};
    case Split::n_n: return {n / 2, n - n / 2};
  }
  return {};
}

inline std::uint32_t words_for(std::int64_t bytes) { return static_cast<std::uint32_t>((bytes + 7) / 8); }

inline std::uint64_t identity(std::uint32_t producer, std::uint64_t seq) {
  return mix64((static_cast<std::uint64_t>(producer) << 44) + seq + 1);
}

// Header and payload words, each times its own odd multiplier: a header from one message with
// the payload of another does not add up. (The payload itself is a hash of the header.)
template <class M>
[[gnu::always_inline]] inline std::uint64_t checksum_of(const M& m) {
  std::uint64_t c = m.seq * 0xD6E8FEB86659FD93ull + m.producer * 0xA0761D6478BD642Full + m.words;
  const std::uint32_t n = std::min<std::uint32_t>(m.words, M::kWords);
  for (std::uint32_t i = 0; i < n; ++i) c += m.payload[i] * (2 * i + 1);
  return c;
}

// Writes message (producer, seq) with `words` payload words into m (not its stamp).
template <class M>
[[gnu::always_inline]] inline void fill(M& m, std::uint32_t producer, std::uint64_t seq, std::uint32_t words) {
  m.producer = producer;
  m.seq = seq;
  m.words = words;
  const std::uint64_t base = identity(producer, seq);
  for (std::uint32_t i = 0; i < words; ++i) m.payload[i] = base + i * 0x9E3779B97F4A7C15ull;
  m.checksum = checksum_of(m);
}

// What one receiver got, per producer.
struct FromProducer {
  std::uint64_t count = 0, ids = 0;  // messages, and the sum of their identities
  std::uint64_t next = 0;            // one past the highest sequence seen
  std::uint64_t out_of_order = 0, max_back = 0;
};

class Receipts {
 public:
  void reset(std::size_t producers) {
    from_.assign(producers, FromProducer{});
    bad_ = 0;
  }
  // REQUIRES: reset() with the number of producers.
  template <class M>
  [[gnu::always_inline]] void take(const M& m) {
    if (m.producer >= from_.size() || m.words > M::kWords || checksum_of(m) != m.checksum) {
      ++bad_;
      return;
    }
    FromProducer& f = from_[m.producer];
    ++f.count;
    f.ids += identity(m.producer, m.seq);
    if (m.seq < f.next) {
      ++f.out_of_order;
      f.max_back = std::max(f.max_back, f.next - 1 - m.seq);
    } else {
      f.next = m.seq + 1;
    }
  }
  std::uint64_t bad() const { return bad_; }
  const std::vector<FromProducer>& from() const { return from_; }

 private:
  std::vector<FromProducer> from_;
  std::uint64_t bad_ = 0;
};

// What the producers pushed in a window (message p's sequences are 0 .. pushed[p]-1) against
// what every receiver got. order: the order promised per producer, as each receiver sees it.
struct Ledger {
  std::vector<std::uint64_t> pushed;
  std::vector<const Receipts*> receivers;
  prim::Order order = prim::Order::fifo;
  std::size_t relaxation = 0;  // for Order::relaxed; 0: no bound

  std::uint64_t out_of_order() const {
    std::uint64_t n = 0;
    for (const Receipts* r : receivers)
      for (const auto& f : r->from()) n += f.out_of_order;
    return n;
  }
  std::uint64_t max_back() const {
    std::uint64_t n = 0;
    for (const Receipts* r : receivers)
      for (const auto& f : r->from()) n = std::max(n, f.max_back);
    return n;
  }

  Verdict verify(const std::string& what_order) const {
    std::uint64_t bad = 0, total = 0;
    for (const Receipts* r : receivers) bad += r->bad();
    if (bad != 0)
      return {false, std::to_string(bad) + " messages arrived corrupted (payload checksum wrong or producer unknown)"};
    for (std::size_t p = 0; p < pushed.size(); ++p) {
      std::uint64_t count = 0, ids = 0, expect = 0;
      for (const Receipts* r : receivers) {
        count += r->from()[p].count;
        ids += r->from()[p].ids;
      }
      for (std::uint64_t s = 0; s < pushed[p]; ++s) expect += identity(static_cast<std::uint32_t>(p), s);
      if (count < pushed[p])
        return {false, "producer " + std::to_string(p) + ": " + std::to_string(pushed[p] - count) + " of " +
                           std::to_string(pushed[p]) + " messages lost (delivered " + std::to_string(count) + ")"};
      if (count > pushed[p])
        return {false, "producer " + std::to_string(p) + ": " + std::to_string(count - pushed[p]) +
                           " messages delivered twice (" + std::to_string(count) + " delivered of " +
                           std::to_string(pushed[p]) + " pushed)"};
      if (ids != expect)
        return {false, "producer " + std::to_string(p) +
                           ": the count matches but not the messages (some lost, as many delivered twice)"};
      total += count;
    }
    const std::uint64_t ooo = out_of_order(), back = max_back();
    if (order == prim::Order::fifo && ooo != 0)
      return {false, std::to_string(ooo) + " messages came after a later one of the same producer (" + what_order +
                         " promised; furthest back " + std::to_string(back) + ")"};
    if (order == prim::Order::relaxed && relaxation > 0 && back > relaxation)
      return {false, "a message came " + std::to_string(back) + " places after a later one of its producer (relaxation bound " +
                         std::to_string(relaxation) + ")"};
    std::string detail = "exactly once (" + std::to_string(total) + " messages from " + std::to_string(pushed.size()) +
                         " producers), payloads intact";
    if (order == prim::Order::fifo) detail += ", " + what_order + " held";
    else detail += ", order relaxed: " + std::to_string(ooo) + " out of order, furthest back " + std::to_string(back);
    return {true, detail};
  }
};

// Waiting on a queue that is full (producer) or empty (consumer): pause, and let another
// thread run now and then (threads may outnumber cores).
inline void wait_a_little(std::uint64_t& misses) {
  if (++misses % 64 == 0) std::this_thread::yield();
  else prim::detail::cpu_relax();
}

// The calling thread's voluntary context switches so far (a blocking queue's consumers sleep).
inline std::uint64_t voluntary_switches() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<std::uint64_t>(u.ru_nvcsw);
}

// Flow control for unbounded queues: producers pause while more than `limit` messages are in
// flight, so a fast producer cannot fill memory. Counted in slices of kSlice messages per
// thread (a shared counter touched once per slice, not per message); a receiver that finds
// nothing reports its slice at once, so producers never wait on messages already received.
class FlowWindow {
 public:
  static constexpr std::uint64_t kSlice = 256;
  explicit FlowWindow(std::uint64_t limit) : limit_(limit) {}
  void reset() {
    // relaxed: no worker runs now; the window's start synchronises them with this.
    in_.value.store(0, std::memory_order_relaxed);
    out_.value.store(0, std::memory_order_relaxed);
  }
  // A producer sent n more; returns how many times it had to wait.
  std::uint64_t sent(Worker& w, std::uint64_t n, std::uint64_t& unreported) {
    unreported += n;
    if (unreported < kSlice) return 0;
    // relaxed: an approximate in-flight count; no data is published through it.
    in_.value.fetch_add(unreported, std::memory_order_relaxed);
    unreported = 0;
    std::uint64_t waits = 0;
    while (in_.value.load(std::memory_order_relaxed) - out_.value.load(std::memory_order_relaxed) > limit_ &&
           !w.stopping()) {
      ++waits;
      std::this_thread::yield();
    }
    return waits;
  }
  void received(std::uint64_t n, std::uint64_t& unreported) {
    unreported += n;
    if (unreported >= kSlice) flush_out(unreported);
  }
  void flush_out(std::uint64_t& unreported) {
    if (unreported == 0) return;
    out_.value.fetch_add(unreported, std::memory_order_relaxed);  // relaxed: as above
    unreported = 0;
  }
  void flush_in(std::uint64_t& unreported) {
    in_.value.fetch_add(unreported, std::memory_order_relaxed);  // relaxed: as above
    unreported = 0;
  }

 private:
  const std::uint64_t limit_;
  prim::Padded<std::atomic<std::uint64_t>> in_, out_;
};

// A cell per payload size class: make<Cell>(spec) for Cell<S>, <Md> or <L> by payload_bytes.
template <template <class> class CellT, class S, class Md, class L>
std::unique_ptr<Cell> make_sized(const CellSpec& s) {
  const std::uint32_t words = words_for(s.params.integer("payload_bytes"));
  if (words <= kSmall) return std::make_unique<CellT<S>>(s);
  if (words <= kMedium) return std::make_unique<CellT<Md>>(s);
  return std::make_unique<CellT<L>>(s);
}

}  // namespace lfbench::msg
