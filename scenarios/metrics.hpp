// Scenario `metrics` (case 001's metric collection, case 000's request counters and bytes):
// every thread records values into one shared Recorder; with `snapshot_per_sec` > 0 one
// reader thread (the highest tid; `threads` counts it) takes snapshots at that rate, sleeping
// in between (with one thread, that thread takes them between its records). `what` picks the
// fields kept (counter: count and sum; stats: and min and max; histogram: and the buckets),
// `distribution` the values: constant (a 1 KiB request), uniform (sizes in quarter units) or
// latency (a long tail: a base of tens of ns doubled a geometric number of times).
//
// Values come from a per-thread table drawn once per cell, cycled in order: the hot path is a
// load and the record, and the oracle knows every value recorded from the number of records
// alone. Values are multiples of a quarter and totals stay far below 2^51, so every partial
// sum is exact in a double and a sum in any order must equal the expected one exactly.
//
// Verify after every window, at quiescence: count = records made, sum exact, min and max
// exact, every bucket exact (so the buckets add up to the count). During the window, for every
// snapshot: its count never went backwards, and it included every record that happened-before
// it (recording threads publish their record counts with release every few records; the
// reader reads them with acquire before the snapshot); a recorder that declares consistent
// snapshots must show buckets adding up to the count in each.
// Metrics: records/s, ns per record (wall time per record across threads, as Go's parallel
// benchmarks count it, and per recording thread), snapshots/s and snapshot cost (every
// snapshot timed), staleness (records completed when a snapshot returned that it does not
// show, in records and in ns at the window's record rate) and the recorder's memory.
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); metrics.cpp registers the scenario.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness/histogram.hpp"
#include "harness/scenario.hpp"
#include "harness/tsc.hpp"

namespace lfbench::scenario::metrics {

inline constexpr std::string_view id = "metrics";

enum Kind : unsigned { kRecord = 0, kSnapshot = 1 };
enum class Dist { constant, uniform, latency };

constexpr std::size_t kTable = 4096;    // values per thread, cycled (a power of two)
constexpr std::uint64_t kPublishMask = 31;  // a recording thread publishes its count every 32 records
constexpr double kResetSum = 0x1p40;    // a new recorder before sums could stop being exact

inline Dist dist_of(const std::string& s) {
  return s == "constant" ? Dist::constant : s == "uniform" ? Dist::uniform : Dist::latency;
}
inline prim::Fields fields_of(const std::string& s) {
  return s == "counter" ? prim::Fields::counter : s == "stats" ? prim::Fields::stats : prim::Fields::histogram;
}

inline std::uint64_t next(std::uint64_t& x) {  // xorshift64
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

inline double draw(Dist d, std::uint64_t& x) {
  const std::uint64_t r = next(x);
  switch (d) {
    case Dist::constant: return 1024;
    case Dist::uniform: return static_cast<double>(r >> 50) / 4;  // [0, 4096) in quarters
    case Dist::latency: {
      // Base 64..127; doubled k times with P(k) = 2^-(k+1), capped: median near the base,
      // a tail of rare values thousands of times larger.
      const unsigned k = std::min(20u, static_cast<unsigned>(std::countr_zero((r >> 16) | (std::uint64_t{1} << 47))));
      return static_cast<double>((64 + (r & 63)) << k);
    }
  }
  return 0;
}

// What a snapshot at quiescence must show: built from the records each thread made.
struct Expected {
  std::uint64_t count = 0;
  double sum = 0;
  double min = prim::Recorded{}.min, max = prim::Recorded{}.max;
  std::array<std::uint64_t, prim::kRecorderBuckets> buckets{};

  // Adds the first n values of `table` cycled.
  void add(const std::vector<double>& table, const Expected& whole, std::uint64_t n) {
    const std::uint64_t laps = n / kTable, rest = n % kTable;
    count += n - rest;
    sum += static_cast<double>(laps) * whole.sum;
    for (unsigned b = 0; b < prim::kRecorderBuckets; ++b) buckets[b] += laps * whole.buckets[b];
    if (laps > 0) {
      min = std::min(min, whole.min);
      max = std::max(max, whole.max);
    }
    add_each(table, rest);
  }
  // Adds the first n values of `table` one by one (n <= its size).
  void add_each(const std::vector<double>& table, std::uint64_t n) {
    count += n;
    for (std::uint64_t i = 0; i < n; ++i) {
      sum += table[i];
      min = std::min(min, table[i]);
      max = std::max(max, table[i]);
      ++buckets[prim::recorder_bucket(table[i])];
    }
  }
};

template <class R>
class MetricsCell final : public Cell {
  static constexpr prim::Fields F = R::fields;

 public:
  explicit MetricsCell(const CellSpec& s)
      : rate_(static_cast<double>(s.params.integer("snapshot_per_sec"))),
        threads_(s.threads),
        reader_(rate_ > 0 && threads_ > 1 ? static_cast<int>(threads_) - 1 : -1),
        cal_(tsc::calibrate()),
        rec_(std::make_unique<R>()) {
    const Dist d = dist_of(s.params.text("distribution"));
    for (unsigned t = 0; t < threads_; ++t) {
      std::uint64_t x = 0x9E3779B97F4A7C15ull * (t + 1);
      auto& table = tables_[t];
      table.resize(kTable);
      for (auto& v : table) v = draw(d, x);
      whole_[t].add_each(table, kTable);
    }
  }

  void begin_window() override {
    if (expected_.sum > kResetSum) {  // no worker runs: a fresh recorder keeps sums exact
      rec_ = std::make_unique<R>();
      expected_ = Expected{};
    }
    for (auto& t : per_thread_) {
      const auto carry = t.value.carry;
      t.value = State{};
      t.value.carry = carry;
    }
    // relaxed: no worker runs; the window's start releases these to them.
    for (auto& p : published_) p.value.store(0, std::memory_order_relaxed);
  }

  void run(Worker& w) override {
    State& st = per_thread_[w.tid()].value;
    st.start = tsc::now();
    if (static_cast<int>(w.tid()) == reader_)
      read_paced(w, st);
    else
      record(w, st);
    st.end = tsc::now();
  }

  Verdict verify() override {
    std::uint64_t records = 0, backwards = 0, missed = 0, inconsistent = 0;
    for (unsigned t = 0; t < threads_; ++t) {
      const State& st = per_thread_[t].value;
      expected_.add(tables_[t], whole_[t], st.records);
      records += st.records;
      backwards += st.backwards;
      missed += st.missed;
      inconsistent += st.inconsistent;
    }
    base_count_ = expected_.count;  // the next window starts from every record made so far
    // What snapshots saw during the window first: it names the misbehaviour most precisely.
    if (backwards != 0) return {false, std::to_string(backwards) + " snapshots saw the count go backwards"};
    if (missed != 0)
      return {false, std::to_string(missed) + " snapshots missed records that happened before them"};
    if (inconsistent != 0)
      return {false, std::to_string(inconsistent) + " snapshots of a consistent recorder had buckets not adding up to their count"};
    const prim::Recorded r = rec_->snapshot();
    const auto num = [](double v) { return std::to_string(v); };
    if (r.count != expected_.count)
      return {false, "count is " + std::to_string(r.count) + " but " + std::to_string(expected_.count) +
                         " records were made"};
    if (r.sum != expected_.sum)
      return {false, "sum is " + num(r.sum) + " but the records made sum to " + num(expected_.sum)};
    if (prim::has_extremes(F) && (r.min != expected_.min || r.max != expected_.max))
      return {false, "min/max are " + num(r.min) + "/" + num(r.max) + " but the records made have " +
                         num(expected_.min) + "/" + num(expected_.max)};
    if (prim::has_buckets(F)) {
      std::uint64_t total = 0;
      for (auto b : r.buckets) total += b;
      if (total != r.count)
        return {false, "buckets add up to " + std::to_string(total) + " but the count is " + std::to_string(r.count)};
      for (unsigned b = 0; b < prim::kRecorderBuckets; ++b)
        if (r.buckets[b] != expected_.buckets[b])
          return {false, "bucket " + std::to_string(b) + " holds " + std::to_string(r.buckets[b]) + " but " +
                             std::to_string(expected_.buckets[b]) + " records fell in it"};
    }
    return {true, "count = records (" + std::to_string(records) + " this window), sum" +
                      (prim::has_extremes(F) ? ", min, max" : "") + (prim::has_buckets(F) ? ", buckets" : "") +
                      " exact; snapshots monotonic and not missing earlier records"};
  }

  Metrics metrics() override {
    std::uint64_t records = 0, snapshots = 0, lag_sum = 0, lag_max = 0, snap_ns = 0;
    std::uint64_t t0 = ~std::uint64_t{0}, t1 = 0;
    unsigned recording = 0;
    LatencyHistogram lat;
    for (unsigned t = 0; t < threads_; ++t) {
      const State& st = per_thread_[t].value;
      records += st.records;
      snapshots += st.snapshots;
      lag_sum += st.lag_sum;
      lag_max = std::max(lag_max, st.lag_max);
      snap_ns += st.snapshot_ns;
      lat.merge(st.latency);
      t0 = std::min(t0, st.start);
      t1 = std::max(t1, st.end);
      recording += static_cast<int>(t) != reader_;
    }
    const double secs = std::max(1e-9, static_cast<double>(tsc::interval_ns(t0, t1, cal_)) / 1e9);
    const double per_sec = static_cast<double>(records) / secs;
    const double ns_per_record = records > 0 ? secs * 1e9 / static_cast<double>(records) : 0;
    const double lag_mean = snapshots > 0 ? static_cast<double>(lag_sum) / static_cast<double>(snapshots) : 0;
    Metrics m{{"records_per_sec", per_sec},
            {"ns_per_record", ns_per_record},
            {"thread_ns_per_record", ns_per_record * recording},
            {"snapshots_per_sec", static_cast<double>(snapshots) / secs},
            {"snapshot_mean_ns", snapshots > 0 ? static_cast<double>(snap_ns) / static_cast<double>(snapshots) : 0},
            {"snapshot_p50_ns", static_cast<double>(lat.percentile(0.50))},
            {"snapshot_p99_ns", static_cast<double>(lat.percentile(0.99))},
            {"snapshot_max_ns", static_cast<double>(lat.max())},
            {"staleness_records_mean", lag_mean},
            {"staleness_records_max", static_cast<double>(lag_max)},
            {"staleness_ns_mean", lag_mean * ns_per_record},
            {"recorder_bytes", static_cast<double>(prim::recorder_memory(*rec_))},
            {"consistent_snapshots", prim::recorder_consistent<R>() ? 1.0 : 0.0}};
    if (rate_ > 0) m.emplace_back(kPacedEventsMetric, static_cast<double>(snapshots));  // flags a window too short for its rate
    return m;
  }

 private:
  struct State {
    std::uint64_t records = 0, snapshots = 0, backwards = 0, missed = 0, inconsistent = 0;
    std::uint64_t last_count = 0, lag_sum = 0, lag_max = 0, snapshot_ns = 0;
    std::uint64_t start = 0, end = 0;
    std::uint64_t carry = 0;  // ticks to the next paced snapshot when the last window ended
    LatencyHistogram latency;  // every snapshot, timed
  };

  // Records completed so far this window, as published (a lower bound of the true number).
  std::uint64_t made() const {
    std::uint64_t n = 0;
    // acquire: pairs with the recording threads' release, so every record counted here
    // happened-before what this thread does next (the snapshot must include it).
    for (const auto& p : published_) n += p.value.load(std::memory_order_acquire);
    return n;
  }

  void take_snapshot(State& st) {
    const std::uint64_t before = made();
    const std::uint64_t t0 = tsc::now();
    const prim::Recorded r = rec_->snapshot();
    const std::uint64_t t1 = tsc::now();
    const std::uint64_t after = made();
    const std::uint64_t ns = tsc::interval_ns(t0, t1, cal_);
    st.latency.record(ns);
    st.snapshot_ns += ns;
    ++st.snapshots;
    st.backwards += r.count < std::max(st.last_count, base_count_);
    st.last_count = std::max(st.last_count, r.count);
    st.missed += r.count < base_count_ + before;
    const std::uint64_t shown = r.count - std::min(r.count, base_count_);
    const std::uint64_t lag = after > shown ? after - shown : 0;
    st.lag_sum += lag;
    st.lag_max = std::max(st.lag_max, lag);
    if constexpr (prim::recorder_consistent<R>() && prim::has_buckets(F)) {
      std::uint64_t total = 0;
      for (auto b : r.buckets) total += b;
      st.inconsistent += total != r.count;
    }
  }

  void record(Worker& w, State& st) {
    const unsigned tid = w.tid();
    const double* table = tables_[tid].data();
    std::atomic<std::uint64_t>& pub = published_[tid].value;
    R& rec = *rec_;
    std::uint64_t n = 0;
    if (rate_ > 0 && threads_ == 1) {
      // One thread: it also takes the paced snapshots, checking the time every 64 records.
      const std::uint64_t period = period_ticks();
      std::uint64_t due = tsc::now() + st.carry;
      w.loop([&]() -> unsigned {
        if ((n & 63) == 0 && tsc::now() >= due) {
          due += period;
          take_snapshot(st);
          return kSnapshot;
        }
        rec.record(table[n & (kTable - 1)]);
        ++n;
        // release: the records above happen-before a snapshot that reads this count.
        if ((n & kPublishMask) == 0) pub.store(n, std::memory_order_release);
        return kRecord;
      });
      const std::uint64_t now = tsc::now();
      st.carry = due > now ? due - now : 0;
    } else {
      w.loop([&] {
        rec.record(table[n & (kTable - 1)]);
        ++n;
        // release: the records above happen-before a snapshot that reads this count.
        if ((n & kPublishMask) == 0) pub.store(n, std::memory_order_release);
      });
    }
    pub.store(n, std::memory_order_release);  // release: as above
    st.records = n;
  }

  std::uint64_t period_ticks() const {
    return static_cast<std::uint64_t>(1e9 / rate_ / cal_.ns_per_tick);
  }

  // The reader: one snapshot every 1/snapshot_per_sec, sleeping in between (in slices of at
  // most 1 ms so it notices the end of the window); behind schedule, back to back. The phase
  // carries over windows.
  void read_paced(Worker& w, State& st) {
    const std::uint64_t period = period_ticks();
    std::uint64_t due = tsc::now() + st.carry;
    while (!w.stopping()) {
      const std::uint64_t now = tsc::now();
      if (now < due) {
        const auto ns = static_cast<std::int64_t>(static_cast<double>(due - now) * cal_.ns_per_tick);
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(ns, 1'000'000)));
        continue;
      }
      take_snapshot(st);
      w.count(kSnapshot);
      due += period;
    }
    const std::uint64_t now = tsc::now();
    st.carry = due > now ? due - now : 0;
  }

  const double rate_;
  const unsigned threads_;
  const int reader_;  // the reader thread's tid, -1 if none
  const tsc::Calibration& cal_;
  std::unique_ptr<R> rec_;
  std::vector<std::vector<double>> tables_ = std::vector<std::vector<double>>(threads_);
  std::vector<Expected> whole_ = std::vector<Expected>(threads_);  // one lap of each table
  Expected expected_;             // every record made into rec_ so far
  std::uint64_t base_count_ = 0;  // rec_'s count when this window started
  std::vector<prim::Padded<std::atomic<std::uint64_t>>> published_ =
      std::vector<prim::Padded<std::atomic<std::uint64_t>>>(threads_);
  std::vector<prim::Padded<State>> per_thread_ = std::vector<prim::Padded<State>>(threads_);
};

// T's entry here, if T<F> is a Recorder: one entry whose cell's recorder T<F> is chosen by `what`
// (the traits shown are those of the stats fields).
template <template <prim::Fields> class T>
void offer_template() {
  using Stats = T<prim::Fields::stats>;
  if constexpr (prim::Recorder<Stats>) {
    add_primitive(id, PrimitiveEntry{std::string(Stats::name), std::string(kind_of<Stats>()), prim::traits_of<Stats>(),
                                     [](const CellSpec& s) -> std::unique_ptr<Cell> {
                                       switch (fields_of(s.params.text("what"))) {
                                         case prim::Fields::counter:
                                           return std::make_unique<MetricsCell<T<prim::Fields::counter>>>(s);
                                         case prim::Fields::stats: return std::make_unique<MetricsCell<Stats>>(s);
                                         case prim::Fields::histogram: break;
                                       }
                                       return std::make_unique<MetricsCell<T<prim::Fields::histogram>>>(s);
                                     }});
  }
}

}  // namespace lfbench::scenario::metrics
