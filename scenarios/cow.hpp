// Scenario `cow` (case 000's event-bus handler map and process registry, and its rule of thumb
// "COW is efficient when updates < 10/sec for large maps"): readers look up one entry in, or
// iterate, a shared registry of `entries` entries; writers replace one entry. The write load is
// `write_pct` of every thread's operations, and/or `updates_per_sec` from one dedicated writer
// thread (the highest tid) that paces itself and only writes. Snapshot primitives publish the
// registry: locks around the map updated in place, or copy-on-write (each update copies it).
//
// The registry is a sorted vector of {key, version, value}: a snapshot carries its version v
// and a checksum of all its entries, an update sets one entry's version to v+1 (entry first,
// header second) and adjusts the checksum. Lookups check the entry they found (its value is a
// function of key and version, and its version is <= the snapshot's); iterations recompute the
// checksum. A destroyed registry is poisoned, and its copies and frees are counted.
//
// Verify after every window: no reader saw an incomplete, torn or reclaimed snapshot, nor
// versions going backwards; the current snapshot is whole and its version grew by exactly the
// updates performed (none lost); every snapshot retired so far has been reclaimed.
// Metrics: achieved updates/s, update latency (every update timed), bytes copied per second
// (copy-on-write's memory churn), snapshots retired and reclaimed, and is_lock_free where the
// primitive has one (std::atomic<std::shared_ptr>).
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); cow.cpp registers the scenario.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "../primitives/mix_hash.hpp"
#include "harness/histogram.hpp"
#include "harness/scenario.hpp"
#include "harness/tsc.hpp"

namespace lfbench::scenario::cow {

inline constexpr std::string_view id = "cow";

enum Kind : unsigned { kRead = 0, kWrite = 1 };

using prim::detail::mix64;

struct Entry {
  std::uint64_t key, version, value;
};
constexpr std::uint64_t value_of(std::uint64_t key, std::uint64_t version) { return mix64(key ^ (version << 24)); }
constexpr std::uint64_t hash(const Entry& e) { return mix64(e.key + 0x9E3779B97F4A7C15ull * e.version + mix64(e.value)); }
constexpr std::uint64_t key_of(std::size_t i) { return 2 * i + 1; }  // sparse, so a lookup is a real search

// Copies and frees of registries, counted by the registry itself, so the figures are what
// really happened, not what a primitive declares.
struct Census {
  alignas(prim::cacheline) std::atomic<std::uint64_t> copies{0}, bytes{0};
  alignas(prim::cacheline) std::atomic<std::uint64_t> frees{0};
};

constexpr std::uint64_t kLive = 0x11FE11FE11FE11FEull, kDead = 0xDEADDEADDEADDEADull;

struct Registry {
  std::uint64_t live = kLive;
  std::uint64_t version = 0;
  std::uint64_t checksum = 0;  // sum of hash(entry) over entries
  std::vector<Entry> entries;
  Census* census = nullptr;  // set by the first update; the default value is not counted

  Registry() = default;
  Registry(const Registry& o) : version(o.version), checksum(o.checksum), entries(o.entries), census(o.census) {
    if (!census) return;
    // relaxed: tallies, read by verify after the window has synchronised with every worker.
    census->copies.fetch_add(1, std::memory_order_relaxed);
    census->bytes.fetch_add(sizeof(Registry) + entries.size() * sizeof(Entry), std::memory_order_relaxed);
  }
  Registry& operator=(const Registry&) = delete;
  ~Registry() {
    // An atomic store, so the poison is not dropped as a dead store: a reader of a reclaimed
    // registry sees kDead (or ASan / TSan report it).
    std::atomic_ref<std::uint64_t>(live).store(kDead, std::memory_order_relaxed);
    if (census) census->frees.fetch_add(1, std::memory_order_relaxed);  // relaxed: a tally
  }
};

// What one read saw: the snapshot's version, and whether the view was whole.
struct Seen {
  std::uint64_t version;
  bool ok;
};

inline Seen look_up(const Registry& r, std::uint64_t key) {
  const auto it = std::lower_bound(r.entries.begin(), r.entries.end(), key,
                                   [](const Entry& e, std::uint64_t k) { return e.key < k; });
  const bool ok = r.live == kLive && it != r.entries.end() && it->key == key && it->version <= r.version &&
                  it->value == value_of(key, it->version);
  return {r.version, ok};
}

inline Seen iterate(const Registry& r, std::size_t n) {
  std::uint64_t sum = 0, newest = 0;
  for (const Entry& e : r.entries) {
    sum += hash(e);
    newest = std::max(newest, e.version);
  }
  return {r.version, r.live == kLive && r.entries.size() == n && sum == r.checksum && newest <= r.version};
}

// Replaces the entry at index i with the next version (entry first, then the header: a
// primitive that lets a reader see the registry mid-update is caught either way).
inline void bump(Registry& r, std::size_t i) {
  Entry& e = r.entries[i];
  const std::uint64_t before = hash(e);
  e.version = r.version + 1;
  e.value = value_of(e.key, e.version);
  r.checksum += hash(e) - before;
  r.version += 1;
}

template <class S>
class CowCell final : public Cell {
 public:
  using clock = std::chrono::steady_clock;

  explicit CowCell(const CellSpec& s)
      : n_(static_cast<std::size_t>(s.params.integer("entries"))),
        write_per_64k_(static_cast<std::uint32_t>(s.params.integer("write_pct") * 65536 / 100)),
        rate_(static_cast<double>(s.params.integer("updates_per_sec"))),
        iterate_(s.params.text("read_op") == "iterate"),
        threads_(s.threads) {
    snap_.update([&](Registry& r) {
      r.census = &census_;
      r.entries.resize(n_);
      for (std::size_t i = 0; i < n_; ++i) {
        r.entries[i] = Entry{key_of(i), 0, value_of(key_of(i), 0)};
        r.checksum += hash(r.entries[i]);
      }
    });
  }

  void begin_window() override {
    for (auto& t : per_thread_) {
      t.value.updates = t.value.bad = t.value.backwards = 0;
      t.value.latency.clear();
    }
    start_version_ = snap_.read([](const Registry& r) { return r.version; });
    prim::snapshot_offline(snap_);
    copies0_ = census_.copies.load(std::memory_order_relaxed);  // relaxed: no worker runs now
    frees0_ = census_.frees.load(std::memory_order_relaxed);
    bytes0_ = census_.bytes.load(std::memory_order_relaxed);
  }

  void run(Worker& w) override {
    State& st = per_thread_[w.tid()].value;
    st.start = clock::now();
    if (rate_ > 0 && threads_ > 1 && w.tid() == threads_ - 1)
      write_paced(w, st);
    else
      read_and_write(w, st);
    prim::snapshot_offline(snap_);  // QSBR: this thread now blocks until the next window
    st.end = clock::now();
  }

  Verdict verify() override {
    std::uint64_t updates = 0, bad = 0, backwards = 0;
    for (const auto& t : per_thread_) {
      updates += t.value.updates;
      bad += t.value.bad;
      backwards += t.value.backwards;
    }
    const Seen now = snap_.read([&](const Registry& r) { return iterate(r, n_); });
    prim::snapshot_offline(snap_);
    // relaxed: every worker finished (the pool's window end synchronises with them), and any
    // grace period an update needed has passed inside that update.
    pending_ = census_.copies.load(std::memory_order_relaxed) - census_.frees.load(std::memory_order_relaxed);
    prim::snapshot_reclaim(snap_);  // hazard pointers: copies still announced at the last update
    const std::uint64_t copies = census_.copies.load(std::memory_order_relaxed);
    const std::uint64_t frees = census_.frees.load(std::memory_order_relaxed);
    if (bad != 0) return {false, std::to_string(bad) + " reads saw an incomplete, torn or reclaimed snapshot"};
    if (backwards != 0) return {false, std::to_string(backwards) + " reads saw the version go backwards"};
    if (!now.ok) return {false, "the current snapshot is not whole (checksum or entries do not match its header)"};
    if (now.version - start_version_ != updates)
      return {false, "version grew by " + std::to_string(now.version - start_version_) + " but " +
                         std::to_string(updates) + " updates were performed (updates lost or duplicated)"};
    if (copies != frees)
      return {false, std::to_string(copies) + " snapshots retired but " + std::to_string(frees) +
                         " reclaimed at the end of the window"};
    std::string detail = "every read saw a whole snapshot (" + std::string(iterate_ ? "checksum" : "entry") +
                         " checked), versions monotonic, version = updates (" + std::to_string(updates) +
                         "), retired = reclaimed (" + std::to_string(copies) + ")";
    if constexpr (requires { snap_.is_lock_free(); })
      detail += snap_.is_lock_free() ? "; the atomic is lock-free" : "; the atomic is not lock-free";
    return {true, detail};
  }

  Metrics metrics() override {
    LatencyHistogram lat;
    std::uint64_t updates = 0;
    auto t0 = per_thread_[0].value.start, t1 = per_thread_[0].value.end;
    for (const auto& t : per_thread_) {
      lat.merge(t.value.latency);
      updates += t.value.updates;
      t0 = std::min(t0, t.value.start);
      t1 = std::max(t1, t.value.end);
    }
    const double secs = std::max(1e-9, std::chrono::duration<double>(t1 - t0).count());
    // relaxed: no worker runs now. One copy is made, and one retired, per copy-on-write update.
    const auto retired = census_.copies.load(std::memory_order_relaxed) - copies0_;
    const auto reclaimed = census_.frees.load(std::memory_order_relaxed) - frees0_;
    const auto bytes = census_.bytes.load(std::memory_order_relaxed) - bytes0_;
    Metrics m{{"updates_per_sec", static_cast<double>(updates) / secs},
              {"bytes_copied_per_sec", static_cast<double>(bytes) / secs},
              {"bytes_copied_per_update", retired > 0 ? static_cast<double>(bytes) / static_cast<double>(retired) : 0.0},
              {"snapshots_retired", static_cast<double>(retired)},
              {"snapshots_reclaimed", static_cast<double>(reclaimed)},
              // Retired copies still held by a reader when the window's last update ran
              // (hazard pointers free them later; RCU and shared_ptr leave none).
              {"snapshots_unreclaimed_at_end", static_cast<double>(pending_)}};
    if constexpr (requires { snap_.is_lock_free(); }) m.emplace_back("is_lock_free", snap_.is_lock_free() ? 1 : 0);
    if (rate_ > 0) m.emplace_back(kPacedEventsMetric, static_cast<double>(updates));  // flags a window too short for its rate
    if (lat.count() > 0) {  // updates were timed: the paced writer's, or all with --latency
      m.emplace_back("update_p50_ns", static_cast<double>(lat.percentile(0.50)));
      m.emplace_back("update_p99_ns", static_cast<double>(lat.percentile(0.99)));
      m.emplace_back("update_max_ns", static_cast<double>(lat.max()));
    }
    return m;
  }

 private:
  struct State {
    std::uint64_t updates = 0, bad = 0, backwards = 0;
    clock::time_point start{}, end{};
    LatencyHistogram latency;  // every update, timed
  };

  // xorshift: a register-only generator with no shared state.
  static std::uint64_t next(std::uint64_t& x) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
  std::size_t index(std::uint64_t x) const { return prim::detail::scale(x, n_); }  // x: a full draw

  // Timed (cycle counter) on the paced writer, whose updates are not the measured figure, and
  // on mixed threads only when latency is sampled: two timer reads per update would be a cost
  // of the harness inside the readers' and writers' ns/op.
  void write(State& st, std::uint64_t x, bool timed) {
    if (!timed) {
      snap_.update([&](Registry& r) { bump(r, index(x)); });
    } else {
      const std::uint64_t t0 = tsc::now();
      snap_.update([&](Registry& r) { bump(r, index(x)); });
      st.latency.record(tsc::interval_ns(t0, tsc::now(), timer_));
    }
    ++st.updates;
  }

  // Mixed threads: write_pct of operations update, the rest read. With one thread and
  // updates_per_sec, that thread also applies the paced updates (cycle counter read every 64
  // ops: the pacing needs a clock; the cheapest one is used).
  void read_and_write(Worker& w, State& st) {
    std::uint64_t x = 0x9E3779B97F4A7C15ull * (w.tid() + 1), last = 0, bad = 0, backwards = 0, n = 0;
    const bool paced = rate_ > 0 && threads_ == 1;
    const bool timed = w.sampling();
    const auto period_ticks = static_cast<std::uint64_t>(paced ? 1e9 / rate_ / timer_.ns_per_tick : 0);
    // carry_ only when this thread paces: a dedicated writer writes it while readers run (a data
    // race ThreadSanitizer reported at -O1, where the unused read was not optimised away).
    std::uint64_t due = paced ? tsc::now() + static_cast<std::uint64_t>(static_cast<double>(carry_.count()) / timer_.ns_per_tick) : 0;
    w.loop([&]() -> unsigned {
      const std::uint64_t r = next(x);
      if (paced && (++n & 63) == 0 && tsc::now() >= due) {
        due += period_ticks;
        write(st, r, timed);
        return kWrite;
      }
      // The low 16 bits choose read or write; the high bits choose the entry (index()).
      if ((r & 0xFFFF) < write_per_64k_) {
        write(st, r, timed);
        return kWrite;
      }
      const Seen s = iterate_ ? snap_.read([&](const Registry& g) { return iterate(g, n_); })
                              : snap_.read([&](const Registry& g) { return look_up(g, key_of(index(r))); });
      bad += !s.ok;
      backwards += s.version < last;
      last = std::max(last, s.version);
      return kRead;
    });
    if (paced) {
      const std::uint64_t now = tsc::now();
      carry_ = std::chrono::nanoseconds(due > now ? static_cast<std::int64_t>(static_cast<double>(due - now) * timer_.ns_per_tick) : 0);
    }
    st.bad = bad;
    st.backwards = backwards;
  }

  // The dedicated writer: one update every 1/updates_per_sec, sleeping in between (in slices
  // of at most 1 ms so it notices the end of the window). Behind schedule, it updates back to
  // back; the achieved rate is the updates_per_sec metric. The phase carries over windows.
  void write_paced(Worker& w, State& st) {
    const auto period = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate_));
    std::uint64_t x = 0x2545F4914F6CDD1Dull;
    w.sleeps_by_design();
    auto due = clock::now() + carry_;
    while (!w.stopping()) {
      const auto now = clock::now();
      if (now < due) {
        std::this_thread::sleep_until(std::min(due, now + std::chrono::milliseconds(1)));
        continue;
      }
      write(st, next(x), true);
      w.count(kWrite);
      due += period;
    }
    carry_ = std::max(clock::duration::zero(), due - clock::now());
  }

  const std::size_t n_;
  const std::uint32_t write_per_64k_;
  const double rate_;
  const bool iterate_;
  const unsigned threads_;
  Census census_;
  S snap_;
  std::uint64_t start_version_ = 0, copies0_ = 0, frees0_ = 0, bytes0_ = 0, pending_ = 0;
  const tsc::Calibration& timer_ = tsc::calibrate();
  clock::duration carry_{};  // time left to the next paced update when the last window ended
  std::vector<prim::Padded<State>> per_thread_ = std::vector<prim::Padded<State>>(threads_);
};

// T's entry here, if T is a Snapshot template. Judged on T<std::uint64_t> first: a queue
// template may refuse (static_assert) to hold a Registry.
template <template <class> class T>
void offer_template() {
  if constexpr (prim::Snapshot<T<std::uint64_t>>) {
    using S = T<Registry>;
    if constexpr (prim::Snapshot<S>) add_primitive(id, entry<S, CowCell<S>>());
  }
}

}  // namespace lfbench::scenario::cow
