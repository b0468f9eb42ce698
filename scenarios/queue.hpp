// Scenario `queue` (case 000's log ring, case 001's metric history, case 002's broker queue):
// producers push messages into one shared queue and consumers pop them.
//
// mode=throughput: the cell's threads split into producers and consumers by `split` (1:1,
// 1:N = one producer, N:1 = one consumer, N:N = half and half; one thread alone pushes a batch
// and pops it back). Producers push `batch` messages at a time (the queue's bulk form where it
// has one) and retry a full queue; consumers pop up to `batch` at a time. The harness's ops
// are messages delivered (popped by a consumer); a failed try_push/try_pop is never counted as
// a message: attempts and failures are metrics of their own. For an unbounded queue,
// `capacity` is also the producers' flow-control window (they pause while more than capacity
// messages are in flight: msg::FlowWindow), so a fast producer cannot fill memory; a bounded
// queue is its own window.
// mode=ping-pong: threads pair up (T/2 pingers, T/2 pongers) over two queues: a pinger sends
// one message and waits for it to come back through the second queue; ops are round trips.
//
// Messages: scenarios/message.hpp (producer, sequence, payload of payload_bytes, checksum).
// Latency (only with --latency, w.sampling()): in throughput mode every 16th message carries a
// tsc timestamp and its consumer records send-to-receive time; in ping-pong every round trip
// is timed by its pinger. Timestamps are taken when the message is written, so time spent
// waiting for room in a full queue counts.
//
// Verify after every window, once the queue has been drained (untimed, by the coordinating
// thread): every message pushed was delivered exactly once, payloads intact, and each
// producer's messages in order as each consumer saw them where the queue promises FIFO (within
// its bound where it promises a relaxed order; not in ping-pong with several pairs, where a
// message can overtake the previous one of its pinger held by another ponger). Metrics: delivered and pushed messages/s,
// ns per message, push/pop attempts and failures per message delivered, flow-control waits,
// messages left in the queue at the window's end, out-of-order arrivals, voluntary context
// switches per message (blocking queues sleep), Jain's fairness over the receiving threads
// (consumers; pingers in ping-pong), mean round trip (ping-pong).
//
// This header is the cell (installed: a user's primitive is instantiated in it, in the user's
// file); queue.cpp registers the scenario.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness/scenario.hpp"
#include "harness/stats.hpp"
#include "harness/tsc.hpp"
#include "message.hpp"

namespace lfbench::scenario::queue {

inline constexpr std::string_view id = "queue";

using msg::Message;
using msg::voluntary_switches;
using msg::wait_a_little;

using msg::Split;
using msg::split_of;
enum class Mode { throughput, pingpong };

inline Mode mode_of(const Params& p) { return p.text("mode") == "pingpong" ? Mode::pingpong : Mode::throughput; }

// Who does what in a cell of T threads: tids [0, producers) produce (or ping), the next
// `consumers` consume (or pong). solo: one thread does both.
struct Roles {
  unsigned producers = 0, consumers = 0;
  bool solo = false;
};

inline Roles roles_of(Split split, Mode mode, unsigned t) {
  if (mode == Mode::pingpong) return {t / 2, t / 2, false};
  if (t == 1) return {1, 1, true};
  const msg::Sides sides = msg::sides_of(split, t);
  return {sides.producers, sides.consumers, false};
}

template <class Q>
std::string unsupported(const CellSpec& s) {
  const Mode mode = mode_of(s.params);
  const Split split = split_of(s.params);
  if (mode == Mode::pingpong && (s.threads < 2 || s.threads % 2 != 0))
    return "ping-pong pairs threads: an even number of threads is needed";
  if (mode == Mode::throughput && split == Split::one_one && s.threads > 2) return "split 1:1 runs on threads=2";
  const Roles r = roles_of(split, mode, s.threads);
  if (prim::traits_of<Q>().producers == prim::Producers::single && r.producers > 1)
    return "a single-producer queue with " + std::to_string(r.producers) + " producers";
  if (prim::traits_of<Q>().consumers == prim::Producers::single && r.consumers > 1)
    return "a single-consumer queue with " + std::to_string(r.consumers) + " consumers";
  return "";
}

inline constexpr std::uint64_t kStampEvery = 16;  // with --latency: one message in this many is timed

template <class Q>
class QueueCell final : public Cell {
  using M = typename Q::value_type;

 public:
  explicit QueueCell(const CellSpec& s)
      : mode_(mode_of(s.params)),
        roles_(roles_of(split_of(s.params), mode_, s.threads)),
        capacity_(static_cast<std::size_t>(s.params.integer("capacity"))),
        batch_(mode_ == Mode::pingpong ? 1 : static_cast<std::size_t>(s.params.integer("batch"))),
        words_(msg::words_for(s.params.integer("payload_bytes"))),
        cal_(tsc::calibrate()),
        q_(prim::make_queue<Q>({.capacity = capacity_})),
        back_(mode_ == Mode::pingpong ? prim::make_queue<Q>({.capacity = capacity_}) : nullptr),
        threads_(s.threads) {
    for (auto& t : per_thread_) t.value.buf.resize(batch_);
  }

  void begin_window() override {
    for (auto& t : per_thread_) {
      State& st = t.value;
      std::vector<M> buf = std::move(st.buf);
      st = State{};
      st.buf = std::move(buf);
      st.receipts.reset(roles_.producers);
    }
    drained_.reset(roles_.producers);
    flow_.reset();
  }

  void run(Worker& w) override {
    State& st = per_thread_[w.tid()].value;
    const std::uint64_t switches0 = voluntary_switches();
    st.t0 = tsc::now();
    if (mode_ == Mode::pingpong) {
      if (w.tid() < roles_.producers) ping(w, st);
      else pong(w, st);
    } else if (roles_.solo) {
      solo(w, st);
    } else if (w.tid() < roles_.producers) {
      produce(w, st);
    } else if (w.tid() < roles_.producers + roles_.consumers) {
      consume(w, st);
    }
    st.t1 = tsc::now();
    st.switches = voluntary_switches() - switches0;
  }

  Verdict verify() override {
    // Drain what is left (both queues in ping-pong, and messages pongers still held).
    left_ = drain(*q_);
    if (back_) left_ += drain(*back_);
    for (auto& t : per_thread_)
      if (t.value.holding) drained_.take(t.value.held);
    msg::Ledger ledger;
    ledger.order = prim::traits_of<Q>().order;
    ledger.relaxation = prim::traits_of<Q>().relaxation;
    // Ping-pong with several pairs: a pinger's next message can overtake its previous one,
    // held by another ponger, on the way back (no queue's fault): order is not checked.
    if (mode_ == Mode::pingpong && roles_.producers > 1) {
      ledger.order = prim::Order::relaxed;
      ledger.relaxation = 0;
    }
    ledger.pushed.assign(roles_.producers, 0);
    for (unsigned t = 0; t < threads_; ++t) {
      const State& st = per_thread_[t].value;
      if (t < roles_.producers) ledger.pushed[t] = st.pushed;
      ledger.receivers.push_back(&st.receipts);
    }
    ledger.receivers.push_back(&drained_);
    out_of_order_ = ledger.out_of_order();
    max_back_ = ledger.max_back();
    Verdict v = ledger.verify("per-producer FIFO");
    if (v.ok && left_ > 0) v.detail += "; " + std::to_string(left_) + " drained after the window";
    return v;
  }

  Metrics metrics() override {
    std::uint64_t delivered = 0, pushed = 0, push_tries = 0, push_fails = 0, pop_tries = 0, pop_fails = 0,
                  flow_waits = 0, switches = 0;
    std::uint64_t t0 = per_thread_[0].value.t0, t1 = per_thread_[0].value.t1;
    for (const auto& t : per_thread_) {
      const State& st = t.value;
      delivered += st.delivered;
      pushed += st.pushed;
      push_tries += st.push_tries;
      push_fails += st.push_fails;
      pop_tries += st.pop_tries;
      pop_fails += st.pop_fails;
      flow_waits += st.flow_waits;
      switches += st.switches;
      t0 = std::min(t0, st.t0);
      t1 = std::max(t1, st.t1);
    }
    const double secs = std::max(1e-9, static_cast<double>(tsc::interval_ns(t0, t1, cal_)) * 1e-9);
    const double per = static_cast<double>(std::max<std::uint64_t>(1, delivered));
    // Jain's index over the receiving threads only (producers deliver nothing by design).
    std::vector<double> received;
    for (unsigned t = 0; t < threads_; ++t) {
      const bool receives = roles_.solo                ? true
                            : mode_ == Mode::pingpong ? t < roles_.producers
                                                      : t >= roles_.producers && t < roles_.producers + roles_.consumers;
      if (receives) received.push_back(static_cast<double>(per_thread_[t].value.delivered));
    }
    Metrics m{{"delivered_msgs_per_sec", static_cast<double>(delivered) / secs},
              {"pushed_msgs_per_sec", static_cast<double>(pushed) / secs},
              {"ns_per_msg", delivered ? secs * 1e9 / per : 0.0},
              {"push_attempts_per_msg", static_cast<double>(push_tries) / per},
              {"push_failures_per_msg", static_cast<double>(push_fails) / per},
              {"pop_attempts_per_msg", static_cast<double>(pop_tries) / per},
              {"pop_failures_per_msg", static_cast<double>(pop_fails) / per},
              {"flow_control_waits", static_cast<double>(flow_waits)},
              {"left_in_queue_at_end", static_cast<double>(left_)},
              {"out_of_order", static_cast<double>(out_of_order_)},
              {"max_out_of_order_distance", static_cast<double>(max_back_)},
              {"voluntary_switches_per_msg", static_cast<double>(switches) / per},
              {"receiver_fairness", jain(received)}};
    if (mode_ == Mode::pingpong)
      // Each pinger has one message in flight: its mean round trip is its share of the window.
      m.emplace_back("round_trip_mean_ns", delivered ? secs * 1e9 * roles_.producers / per : 0.0);
    if constexpr (requires(Q& q) { q.is_lock_free(); }) m.emplace_back("is_lock_free", q_->is_lock_free() ? 1 : 0);
    return m;
  }

 private:
  struct State {
    std::vector<M> buf;  // this thread's batch of messages (allocated once, per cell)
    msg::Receipts receipts;
    M held{};             // ping-pong: a message a ponger could not pass on before the end
    bool holding = false;
    std::uint64_t pushed = 0, delivered = 0, push_tries = 0, push_fails = 0, pop_tries = 0, pop_fails = 0;
    std::uint64_t flow_waits = 0, switches = 0, t0 = 0, t1 = 0;
  };

  void stamp(Worker& w, M& m) const {
    m.stamp = w.sampling() && m.seq % kStampEvery == 0 ? tsc::now() : 0;
  }
  void record(Worker& w, const M& m) const {
    if (m.stamp != 0 && w.sampling()) w.record_latency(0, tsc::interval_ns(m.stamp, tsc::now(), cal_));
  }

  void produce(Worker& w, State& st) {
    auto h = prim::queue_handle(*q_);
    M* buf = st.buf.data();
    const auto producer = static_cast<std::uint32_t>(w.tid());
    std::uint64_t seq = 0, misses = 0, unreported = 0;
    while (!w.stopping()) {
      for (std::size_t i = 0; i < batch_; ++i) {
        msg::fill(buf[i], producer, seq + i, words_);
        stamp(w, buf[i]);
      }
      std::size_t done = 0;
      while (done < batch_) {
        ++st.push_tries;
        const std::size_t n = prim::push_bulk(h, buf + done, batch_ - done);
        if (n == 0) {
          ++st.push_fails;
          if (w.stopping()) break;
          wait_a_little(misses);
          continue;
        }
        done += n;
      }
      seq += done;  // only what went in counts; the rest of the batch is discarded
      if constexpr (!prim::traits_of<Q>().bounded) st.flow_waits += flow_.sent(w, done, unreported);
    }
    st.pushed = seq;
    if constexpr (!prim::traits_of<Q>().bounded) flow_.flush_in(unreported);
  }

  void consume(Worker& w, State& st) {
    auto h = prim::queue_handle(*q_);
    M* buf = st.buf.data();
    std::uint64_t misses = 0, unreported = 0, delivered = 0;
    while (!w.stopping()) {
      ++st.pop_tries;
      const std::size_t n = prim::pop_bulk(h, buf, batch_);
      if (n == 0) {
        ++st.pop_fails;
        if constexpr (!prim::traits_of<Q>().bounded) flow_.flush_out(unreported);  // empty: tell producers at once
        wait_a_little(misses);
        continue;
      }
      for (std::size_t i = 0; i < n; ++i) {
        st.receipts.take(buf[i]);
        record(w, buf[i]);
      }
      delivered += n;
      w.count(0, n);
      if constexpr (!prim::traits_of<Q>().bounded) flow_.received(n, unreported);
    }
    st.delivered = delivered;
  }

  // One thread alone: push a batch, pop it back.
  void solo(Worker& w, State& st) {
    auto h = prim::queue_handle(*q_);
    M* buf = st.buf.data();
    std::uint64_t seq = 0, delivered = 0;
    while (!w.stopping()) {
      for (std::size_t i = 0; i < batch_; ++i) {
        msg::fill(buf[i], 0, seq + i, words_);
        stamp(w, buf[i]);
      }
      ++st.push_tries;
      const std::size_t in = prim::push_bulk(h, buf, batch_);
      st.push_fails += in == 0;
      seq += in;
      std::size_t out = 0;
      while (out < in) {
        ++st.pop_tries;
        const std::size_t n = prim::pop_bulk(h, buf + out, in - out);
        st.pop_fails += n == 0;
        if (n == 0 && w.stopping()) break;  // a broken queue lost some: verify will say so
        out += n;
      }
      for (std::size_t i = 0; i < out; ++i) {
        st.receipts.take(buf[i]);
        record(w, buf[i]);
      }
      delivered += out;
      w.count(0, out);
    }
    st.pushed = seq;
    st.delivered = delivered;
  }

  // Ping-pong: send one message, wait for it (or another pinger's) to come back.
  void ping(Worker& w, State& st) {
    auto out = prim::queue_handle(*q_);
    auto in = prim::queue_handle(*back_);
    M& m = st.buf[0];
    M reply{};
    const auto producer = static_cast<std::uint32_t>(w.tid());
    std::uint64_t seq = 0, misses = 0, trips = 0;
    while (!w.stopping()) {
      msg::fill(m, producer, seq, words_);
      m.stamp = w.sampling() ? tsc::now() : 0;
      bool sent = false;
      while (!(sent = out.try_push(m)) && !w.stopping()) {
        ++st.push_fails;
        wait_a_little(misses);
      }
      if (!sent) break;
      ++seq;
      bool back = false;
      while (!(back = in.try_pop(reply))) {
        ++st.pop_fails;
        if (w.stopping()) break;
        wait_a_little(misses);
      }
      if (!back) break;  // still on its way: the drain after the window receives it
      st.receipts.take(reply);
      record(w, reply);
      ++trips;
      w.count(0);
    }
    st.pushed = seq;
    st.delivered = trips;
    st.push_tries = seq + st.push_fails;
    st.pop_tries = trips + st.pop_fails;
  }

  void pong(Worker& w, State& st) {
    auto in = prim::queue_handle(*q_);
    auto out = prim::queue_handle(*back_);
    M m{};
    std::uint64_t misses = 0, passed = 0;
    while (!w.stopping()) {
      if (!in.try_pop(m)) {
        ++st.pop_fails;
        wait_a_little(misses);
        continue;
      }
      bool sent = false;
      while (!(sent = out.try_push(m)) && !w.stopping()) {
        ++st.push_fails;
        wait_a_little(misses);
      }
      if (!sent) {
        st.held = m;  // verify receives it
        st.holding = true;
        break;
      }
      ++passed;
    }
    st.push_tries = passed + st.push_fails;
    st.pop_tries = passed + st.holding + st.pop_fails;
  }

  // Pops everything left into drained_; returns how many. Bounded, for a broken queue that
  // keeps handing out items.
  std::uint64_t drain(Q& q) {
    auto h = prim::queue_handle(q);
    std::uint64_t pushed = 0, n = 0;
    for (const auto& t : per_thread_) pushed += t.value.pushed;
    M m{};
    while (n < pushed + capacity_ + 1 && h.try_pop(m)) {
      drained_.take(m);
      ++n;
    }
    return n;
  }

  const Mode mode_;
  const Roles roles_;
  const std::size_t capacity_, batch_;
  const std::uint32_t words_;
  const tsc::Calibration& cal_;
  std::unique_ptr<Q> q_, back_;
  const unsigned threads_;
  msg::FlowWindow flow_{capacity_};  // unbounded queues only
  msg::Receipts drained_;
  std::uint64_t left_ = 0, out_of_order_ = 0, max_back_ = 0;
  std::vector<prim::Padded<State>> per_thread_ = std::vector<prim::Padded<State>>(threads_);
};

// T's entry here, if T<Message> is a Queue: one entry, the cell's message size class chosen from
// payload_bytes; cells T's traits cannot run are left out (unsupported).
template <template <class> class T>
void offer_template() {
  // Judged on T<std::uint64_t> first: a snapshot template may not hold a Message.
  if constexpr (prim::Queue<T<std::uint64_t>>) {
    using Small = T<Message<msg::kSmall>>;
    PrimitiveEntry e = entry<Small, QueueCell<Small>>();
    e.make = &msg::make_sized<QueueCell, Small, T<Message<msg::kMedium>>, T<Message<msg::kLarge>>>;
    e.unsupported = &unsupported<Small>;
    add_primitive(id, std::move(e));
  }
}

}  // namespace lfbench::scenario::queue
