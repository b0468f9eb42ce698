// Scenario `broker` (case 002: a message broker's consumer delivery, 20 producers, 20
// consumers, 1 KiB messages, prefetch 100): producers publish messages into `queues` broker
// queues (producer p into queue p mod queues); consumers receive them by one of three designs
// (`delivery`):
//   push   — a drain thread per queue pops it and hands messages round-robin to the queue's
//            consumers' buffers (each an lfbench spsc_ring of `prefetch` slots: a consumer
//            holds at most prefetch unprocessed messages, and the drain skips a consumer whose
//            buffer is full); consumers take from their own buffer. The first `queues` threads
//            of the cell are the drain threads.
//   pull   — consumers pop straight from their queue, up to `prefetch` at a time.
//   cursor — the queue is a sequenced ring (primitives/cursor_ring.hpp, not a queue
//            primitive): producers claim positions in order, and consumer c of C owns
//            positions c, c+C, c+2C, ... — its own cursor, no claim shared with other
//            consumers — reading up to prefetch at a time.
// The queue primitive is what push and pull deliver from (mutex_deque: case 002's "mutex
// queue"; mpmc_ring etc.: its "lock-free MPMC ring"); cursor delivery is its own primitive.
// The remaining threads split into producers and consumers by `split`, as in `queue`.
// Consumers "process" a message by checking its payload (checksum over payload_bytes).
// For unbounded queues `capacity` is the producers' flow-control window (see queue.cpp).
//
// Verify after every window, once queues, buffers and drains are emptied: every message
// published was delivered exactly once, payload intact, and in order per producer as each
// consumer saw it (every design here promises that when its queue is FIFO).
// Metrics: delivered and published msgs/s, end-to-end latency p50/p95/p99 (publish to
// consumer, tsc; only with --latency: every 16th message is stamped), consumer fairness
// (Jain's index and min/max share of messages per consumer), drain hand-offs skipped for full
// buffers (push), voluntary context switches per message.
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); broker.cpp registers the scenario.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../primitives/cursor_ring.hpp"
#include "../primitives/spsc_ring.hpp"
#include "harness/histogram.hpp"
#include "harness/scenario.hpp"
#include "harness/stats.hpp"
#include "harness/tsc.hpp"
#include "message.hpp"

namespace lfbench::scenario::broker {

inline constexpr std::string_view id = "broker";

using msg::Message;
using msg::voluntary_switches;
using msg::wait_a_little;
using prim::CursorRing;

enum class Delivery { push, pull, cursor };

inline Delivery delivery_of(const Params& p) {
  const auto& d = p.text("delivery");
  return d == "push" ? Delivery::push : d == "pull" ? Delivery::pull : Delivery::cursor;
}

// Test-only faults in the delivery designs (the oracle test shows each is caught).
enum class Fault {
  none,
  drop_when_full,  // push: a drain that finds a consumer's buffer full drops the message
                   // (a non-blocking send, Go's `select { case ch <- m: default: }`)
  reread_last,     // cursor: a consumer's cursor advances one position short after a batch
};

// Threads: [0, drains) drain threads (push only), then producers, then consumers.
struct Layout {
  unsigned drains = 0, producers = 0, consumers = 0, queues = 1;
  unsigned first_consumer() const { return drains + producers; }
};

inline Layout layout_of(const Params& p, unsigned threads) {
  Layout l;
  l.queues = static_cast<unsigned>(p.integer("queues"));
  l.drains = delivery_of(p) == Delivery::push ? l.queues : 0;
  const unsigned rest = threads > l.drains ? threads - l.drains : 0;
  if (rest < 2) return l;
  const msg::Sides sides = msg::sides_of(msg::split_of(p), rest);
  l.producers = sides.producers;
  l.consumers = sides.consumers;
  return l;
}

// Q: the broker queue (a Queue primitive), or CursorRing for cursor delivery.
template <class Q, Fault F = Fault::none>
class BrokerCell final : public Cell {
  using M = typename Q::value_type;
  static constexpr bool kCursor = std::is_same_v<Q, CursorRing<M>>;
  static constexpr std::size_t kDrainBatch = 64;

 public:
  explicit BrokerCell(const CellSpec& s)
      : delivery_(delivery_of(s.params)),
        lay_(layout_of(s.params, s.threads)),
        capacity_(static_cast<std::size_t>(s.params.integer("capacity"))),
        prefetch_(static_cast<std::size_t>(s.params.integer("prefetch"))),
        words_(msg::words_for(s.params.integer("payload_bytes"))),
        cal_(tsc::calibrate()),
        threads_(s.threads),
        flow_(capacity_) {
    for (unsigned k = 0; k < lay_.queues; ++k) {
      if constexpr (kCursor) {
        // consumers of queue k: those c with c % queues == k
        const unsigned mine = (lay_.consumers - k + lay_.queues - 1) / lay_.queues;
        queues_.push_back(std::make_unique<Q>(capacity_, std::max(1u, mine)));
      } else {
        queues_.push_back(prim::make_queue<Q>({.capacity = capacity_}));
      }
    }
    for (unsigned c = 0; c < lay_.consumers; ++c)
      buffers_.push_back(std::make_unique<prim::SpscRing<M>>(prim::QueueConfig{.capacity = prefetch_}));
    for (auto& t : per_thread_) t.value.buf.resize(std::max(prefetch_, kDrainBatch));
  }

  void begin_window() override {
    for (auto& t : per_thread_) {
      State& st = t.value;
      std::vector<M> buf = std::move(st.buf);
      st = State{};
      st.buf = std::move(buf);
      st.receipts.reset(lay_.producers);
    }
    drained_.reset(lay_.producers);
    flow_.reset();
  }

  void run(Worker& w) override {
    State& st = per_thread_[w.tid()].value;
    const std::uint64_t switches0 = voluntary_switches();
    st.t0 = tsc::now();
    const unsigned t = w.tid();
    if (t < lay_.drains) drain(w, st, t);
    else if (t < lay_.first_consumer()) publish(w, st, t - lay_.drains);
    else if (t < lay_.first_consumer() + lay_.consumers) consume(w, st, t - lay_.first_consumer());
    st.t1 = tsc::now();
    st.switches = voluntary_switches() - switches0;
  }

  Verdict verify() override {
    // Empty everything, each message to the receiver it was on its way to, in the order it
    // would have arrived: a consumer's buffer (push) or positions (cursor) to that consumer;
    // a drain's held messages, then the rest of its queue, to the drain receipts.
    M m{};
    for (unsigned c = 0; c < lay_.consumers; ++c) {
      msg::Receipts& r = per_thread_[lay_.first_consumer() + c].value.receipts;
      while (buffers_[c]->try_pop(m)) r.take(m);
      if constexpr (kCursor)
        while (queues_[c % lay_.queues]->read(c / lay_.queues, &m, 1)) r.take(m);
    }
    std::uint64_t published = 0;
    for (const auto& t : per_thread_) {
      published += t.value.pushed;
      for (std::size_t i = 0; i < t.value.held; ++i) drained_.take(t.value.buf[i]);
    }
    if constexpr (!kCursor)
      for (auto& q : queues_) {
        auto h = prim::queue_handle(*q);
        for (std::uint64_t n = 0; n <= published && h.try_pop(m); ++n) drained_.take(m);
      }
    msg::Ledger ledger;
    ledger.order = prim::traits_of<Q>().order;
    ledger.relaxation = prim::traits_of<Q>().relaxation;
    ledger.pushed.assign(lay_.producers, 0);
    for (unsigned p = 0; p < lay_.producers; ++p) ledger.pushed[p] = per_thread_[lay_.drains + p].value.pushed;
    for (const auto& t : per_thread_) ledger.receivers.push_back(&t.value.receipts);
    ledger.receivers.push_back(&drained_);
    return ledger.verify("per-producer order at each consumer");
  }

  Metrics metrics() override {
    std::uint64_t delivered = 0, published = 0, skipped = 0, switches = 0;
    std::uint64_t t0 = per_thread_[0].value.t0, t1 = per_thread_[0].value.t1;
    LatencyHistogram lat;
    std::vector<double> per_consumer;
    for (unsigned t = 0; t < threads_; ++t) {
      const State& st = per_thread_[t].value;
      delivered += st.delivered;
      published += st.pushed;
      skipped += st.skipped;
      switches += st.switches;
      lat.merge(st.latency);
      t0 = std::min(t0, st.t0);
      t1 = std::max(t1, st.t1);
      if (t >= lay_.first_consumer() && t < lay_.first_consumer() + lay_.consumers)
        per_consumer.push_back(static_cast<double>(st.delivered));
    }
    const double secs = std::max(1e-9, static_cast<double>(tsc::interval_ns(t0, t1, cal_)) * 1e-9);
    const double per = static_cast<double>(std::max<std::uint64_t>(1, delivered));
    const auto [lo, hi] = std::minmax_element(per_consumer.begin(), per_consumer.end());
    Metrics m{{"delivered_msgs_per_sec", static_cast<double>(delivered) / secs},
              {"published_msgs_per_sec", static_cast<double>(published) / secs},
              {"consumer_fairness", jain(per_consumer)},
              {"consumer_min_share", per_consumer.empty() ? 0.0 : *lo / per},
              {"consumer_max_share", per_consumer.empty() ? 0.0 : *hi / per},
              {"drain_skips_full_buffer_per_msg", static_cast<double>(skipped) / per},
              {"voluntary_switches_per_msg", static_cast<double>(switches) / per}};
    if (lat.count()) {
      m.emplace_back("latency_p50_ns", static_cast<double>(lat.percentile(0.50)));
      m.emplace_back("latency_p95_ns", static_cast<double>(lat.percentile(0.95)));
      m.emplace_back("latency_p99_ns", static_cast<double>(lat.percentile(0.99)));
    }
    return m;
  }

 private:
  struct State {
    std::vector<M> buf;
    std::size_t held = 0;  // push: messages a drain still held at the end (buf[0, held))
    msg::Receipts receipts;
    LatencyHistogram latency;
    std::uint64_t pushed = 0, delivered = 0, skipped = 0, switches = 0, t0 = 0, t1 = 0;
  };

  void publish(Worker& w, State& st, unsigned p) {
    Q& q = *queues_[p % lay_.queues];
    M& m = st.buf[0];
    std::uint64_t seq = 0, misses = 0, unreported = 0;
    auto push = [&](auto& h) {
      while (!w.stopping()) {
        msg::fill(m, p, seq, words_);
        m.stamp = w.sampling() && seq % 16 == 0 ? tsc::now() : 0;
        bool in = false;
        while (!(in = h.try_push(m)) && !w.stopping()) wait_a_little(misses);
        if (!in) break;
        ++seq;
        if constexpr (!kCursor && !prim::traits_of<Q>().bounded) flow_.sent(w, 1, unreported);
      }
    };
    if constexpr (kCursor) push(q);
    else {
      auto h = prim::queue_handle(q);
      push(h);
    }
    st.pushed = seq;
    if constexpr (!kCursor && !prim::traits_of<Q>().bounded) flow_.flush_in(unreported);
  }

  void receive(Worker& w, State& st, const M& m) {
    st.receipts.take(m);
    if (m.stamp != 0 && w.sampling()) {
      const std::uint64_t ns = tsc::interval_ns(m.stamp, tsc::now(), cal_);
      st.latency.record(ns);
      w.record_latency(0, ns);
    }
  }

  void consume(Worker& w, State& st, unsigned c) {
    M* buf = st.buf.data();
    std::uint64_t misses = 0, unreported = 0, delivered = 0;
    auto take = [&](std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) receive(w, st, buf[i]);
      delivered += n;
      w.count(0, n);
    };
    if (delivery_ == Delivery::cursor) {
      if constexpr (kCursor) {
        CursorRing<M>& ring = *queues_[c % lay_.queues];
        const unsigned mine = c / lay_.queues;  // this consumer's index among its queue's
        while (!w.stopping()) {
          const std::size_t n = ring.read(mine, buf, prefetch_, F == Fault::reread_last ? 1 : 0);
          if (n == 0) {
            wait_a_little(misses);
            continue;
          }
          take(n);
        }
      }
    } else if (delivery_ == Delivery::push) {
      prim::SpscRing<M>& mine = *buffers_[c];
      while (!w.stopping()) {
        const std::size_t n = mine.try_pop_bulk(buf, prefetch_);
        if (n == 0) {
          wait_a_little(misses);
          continue;
        }
        take(n);
      }
    } else {
      if constexpr (!kCursor) {
        auto h = prim::queue_handle(*queues_[c % lay_.queues]);
        while (!w.stopping()) {
          const std::size_t n = prim::pop_bulk(h, buf, prefetch_);
          if (n == 0) {
            if constexpr (!prim::traits_of<Q>().bounded) flow_.flush_out(unreported);
            wait_a_little(misses);
            continue;
          }
          take(n);
          if constexpr (!prim::traits_of<Q>().bounded) flow_.received(n, unreported);
        }
      }
    }
    st.delivered = delivered;
  }

  // Push delivery: pop a batch from queue k, deal it round-robin to the queue's consumers'
  // buffers, skipping full ones.
  void drain(Worker& w, State& st, unsigned k) {
    if constexpr (!kCursor) {
      auto h = prim::queue_handle(*queues_[k]);
      M* buf = st.buf.data();
      std::vector<unsigned> mine;  // consumers of queue k (built before the window's work)
      for (unsigned c = k; c < lay_.consumers; c += lay_.queues) mine.push_back(c);
      std::size_t next = 0;
      std::uint64_t misses = 0, unreported = 0, skipped = 0;
      while (!w.stopping()) {
        const std::size_t n = prim::pop_bulk(h, buf, kDrainBatch);
        if (n == 0) {
          if constexpr (!prim::traits_of<Q>().bounded) flow_.flush_out(unreported);
          wait_a_little(misses);
          continue;
        }
        if constexpr (!prim::traits_of<Q>().bounded) flow_.received(n, unreported);
        std::size_t i = 0;
        while (i < n) {
          std::size_t tried = 0;
          while (tried < mine.size() && !buffers_[mine[next]]->try_push(buf[i])) {
            ++skipped;
            next = (next + 1) % mine.size();
            ++tried;
          }
          if (tried < mine.size() || F == Fault::drop_when_full) {
            next = (next + 1) % mine.size();
            ++i;
            continue;
          }
          if (w.stopping()) break;
          wait_a_little(misses);  // every consumer's buffer is full: wait for one to take
        }
        if (i < n) {  // the window ended with messages in hand: verify delivers them
          std::move(buf + i, buf + n, buf);
          st.held = n - i;
          break;
        }
      }
      if constexpr (!prim::traits_of<Q>().bounded) flow_.flush_out(unreported);
      st.skipped = skipped;
    }
  }

  const Delivery delivery_;
  const Layout lay_;
  const std::size_t capacity_, prefetch_;
  const std::uint32_t words_;
  const tsc::Calibration& cal_;
  const unsigned threads_;
  msg::FlowWindow flow_;
  std::vector<std::unique_ptr<Q>> queues_;
  std::vector<std::unique_ptr<prim::SpscRing<M>>> buffers_;  // push: one per consumer
  msg::Receipts drained_;
  std::vector<prim::Padded<State>> per_thread_ = std::vector<prim::Padded<State>>(threads_);
};

template <class Q>
std::string unsupported(const CellSpec& s) {
  const Delivery d = delivery_of(s.params);
  const Layout l = layout_of(s.params, s.threads);
  constexpr bool cursor = std::is_same_v<Q, CursorRing<typename Q::value_type>>;
  if (cursor != (d == Delivery::cursor))
    return cursor ? "cursor_ring delivers by cursor only" : "cursor delivery uses cursor_ring, not a queue primitive";
  if (l.producers == 0 || l.consumers == 0)
    return "needs a producer and a consumer" + std::string(d == Delivery::push ? " besides the drain threads" : "");
  if (s.params.text("split") == "1:1" && l.producers + l.consumers + l.drains != s.threads)
    return "split 1:1 runs on threads=" + std::to_string(2 + l.drains);
  if (l.producers < l.queues || l.consumers < l.queues) return "each queue needs a producer and a consumer";
  const unsigned producers_per_queue = (l.producers + l.queues - 1) / l.queues;
  const unsigned takers_per_queue = d == Delivery::push ? 1 : (l.consumers + l.queues - 1) / l.queues;
  if (prim::traits_of<Q>().producers == prim::Producers::single && producers_per_queue > 1)
    return "a single-producer queue with " + std::to_string(producers_per_queue) + " producers";
  if (prim::traits_of<Q>().consumers == prim::Producers::single && takers_per_queue > 1)
    return "a single-consumer queue with " + std::to_string(takers_per_queue) + " consumers";
  return "";
}

template <class Q, class Md, class L>
PrimitiveEntry broker_entry() {
  PrimitiveEntry e{std::string(Q::name), "Queue", prim::traits_of<Q>(),
                   &msg::make_sized<BrokerCell, Q, Md, L>, {}, &unsupported<Q>};
  return e;
}

// T's entry here, if T<Message> is a Queue and not known to be broken (known-broken queues stay
// in the queue scenario, where their oracle test lives).
template <template <class> class T>
void offer_template() {
  // Judged on T<std::uint64_t> first: a snapshot template may not hold a Message.
  if constexpr (prim::Queue<T<std::uint64_t>>) {
    using Small = T<Message<msg::kSmall>>;
    if constexpr (!prim::traits_of<Small>().known_broken)
      add_primitive(id, broker_entry<Small, T<Message<msg::kMedium>>, T<Message<msg::kLarge>>>());
  }
}

}  // namespace lfbench::scenario::broker
