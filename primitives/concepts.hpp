// The kind concepts every primitive satisfies exactly one of, with std spellings so that
// std::scoped_lock / std::shared_lock work on them unchanged.
//
// A primitive is one class per header in lfbench::prim with
//   static constexpr std::string_view name;   // the stable id, = its file name
//   static constexpr Traits traits;           // progress guarantee (and queue contract);
//                                             // optional (a user's primitive may omit it):
//                                             // read it through traits_of<T>()
// and ends with static_assert(<Kind><Type>).  Primitives know nothing of timing, threads or JSON.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>

namespace lfbench::prim {

// 64 where the library does not define it (libstdc++ 12 does, but warns that its value may
// change between compilers: we only use it for layout inside one binary).
#ifdef __cpp_lib_hardware_interference_size
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winterference-size"
inline constexpr std::size_t cacheline = std::hardware_destructive_interference_size;
#pragma GCC diagnostic pop
#else
inline constexpr std::size_t cacheline = 64;
#endif

enum class Progress { blocking, lock_free, wait_free };
enum class Producers { none, single, multi };  // queues only: how many threads may push / pop
// Queues only: the order a consumer sees one producer's items in. fifo: the order they were
// pushed in; relaxed: out of order by at most `relaxation` of that producer's items (a
// segmented queue), or by any number when relaxation is 0 (no bound promised).
enum class Order { none, fifo, relaxed };

struct Traits {
  Progress progress = Progress::blocking;
  Producers producers = Producers::none;
  Producers consumers = Producers::none;
  std::string_view library = {};  // "" for lfbench's own and the standard library
  // Queues only:
  bool bounded = false;           // try_push fails when `capacity` items are in it
  Order order = Order::none;
  std::size_t relaxation = 0;     // Order::relaxed: how far out of order an item may come
  // A primitive kept to show that an oracle catches it (a case study's bug transcribed):
  // measured on request, never ranked or recommended.
  bool known_broken = false;
  // Why ThreadSanitizer cannot judge its ordering ("" = it can): it orders with standalone
  // std::atomic_thread_fence (which TSan does not model; g++ says so with -Wtsan), or its
  // synchronisation runs in code TSan does not instrument. lfbench verify then names it "not
  // checkable by TSan" however clean its run, never "passed".
  std::string_view tsan_blind = {};
};

constexpr std::string_view to_string(Producers p) {
  switch (p) {
    case Producers::none: return "none";
    case Producers::single: return "single";
    case Producers::multi: return "multi";
  }
  return "?";
}

constexpr std::string_view to_string(Order o) {
  switch (o) {
    case Order::none: return "none";
    case Order::fifo: return "fifo";
    case Order::relaxed: return "relaxed";
  }
  return "?";
}

constexpr std::string_view to_string(Progress p) {
  switch (p) {
    case Progress::blocking: return "blocking";
    case Progress::lock_free: return "lock-free";
    case Progress::wait_free: return "wait-free";
  }
  return "?";
}

// A value padded to its own cache line so neighbours never share it (false sharing is the
// thing most primitives here exist to avoid).
template <class T>
struct alignas(cacheline) Padded {
  T value{};
};

template <class T>
concept Named = requires {
  { T::name } -> std::convertible_to<std::string_view>;
};

// T::traits, or the defaults (blocking, no library) for a primitive that declares none.
template <class T>
constexpr Traits traits_of() {
  if constexpr (requires { { T::traits } -> std::convertible_to<Traits>; }) return T::traits;
  else return Traits{};
}

template <class T>
concept Lock = Named<T> && requires(T& t) {
  t.lock();
  t.unlock();
  { t.try_lock() } -> std::convertible_to<bool>;
};

template <class T>
concept SharedLock = Lock<T> && requires(T& t) {
  t.lock_shared();
  t.unlock_shared();
  { t.try_lock_shared() } -> std::convertible_to<bool>;
};

// A lock whose readers do not hold it but read optimistically and validate (a seqlock):
//   for (;;) { s = l.read_begin(); <copy>; if (!l.read_retry(s)) break; }
// Writers use lock()/unlock(). Data read this way must be atomics read relaxed.
template <class T>
concept OptimisticLock = Lock<T> && requires(const T& t, std::uint64_t s) {
  { t.read_begin() } -> std::convertible_to<std::uint64_t>;
  { t.read_retry(s) } -> std::convertible_to<bool>;
};

// A shared 64-bit counter: add() from any thread, read() the total (monotonic per reader).
template <class T>
concept Counter = Named<T> && requires(T& t, std::uint64_t n) {
  t.add(n);
  { t.read() } -> std::convertible_to<std::uint64_t>;
};

// A map from 64-bit keys to 64-bit values; get_or_add inserts `value` if absent and returns
// the value that is in the map afterwards (so exactly one caller's value wins per key).
template <class T>
concept Map = Named<T> && requires(T& t, std::uint64_t k, std::uint64_t v, std::uint64_t* out) {
  { t.find(k, out) } -> std::convertible_to<bool>;
  { t.get_or_add(k, v) } -> std::convertible_to<std::uint64_t>;
  { t.size() } -> std::convertible_to<std::size_t>;
};

// How a Map is built, for maps that take it (a Map is also default-constructible): shards for
// the sharded ones, capacity = the keys expected, so tables can be reserved up front.
struct MapConfig {
  std::size_t shards = 16;
  std::size_t capacity = 0;
};

// Whether a Map's shard count is set by MapConfig::shards: optional
// `static constexpr bool uses_shards = true` (false when absent).
template <class T>
constexpr bool map_uses_shards() {
  if constexpr (requires { T::uses_shards; }) return T::uses_shards; else return false;
}

// ---- Recorder (metric recording: case 001, case 000's request metrics) --------------------
// A self-contained block (its own includes) so that other kinds can be added beside it.
}  // namespace lfbench::prim

#include <array>
#include <bit>
#include <limits>

namespace lfbench::prim {

// A Recorder takes values from any number of threads, record(v), and keeps a count, a sum, a
// min, a max and a fixed log-bucket histogram of them; snapshot() returns those, from any
// thread, while recording goes on. What a recorder keeps is fixed at compile time by
// `T::fields` (counter: count and sum, the way case 000 counts requests and bytes; stats: and
// min and max; histogram: and the buckets); fields it does not keep read as in an empty
// Recorded. Recorders are templates over Fields: kinds.hpp's Recorders<F> lists them.
//
// Contract:
//   - record(v): REQUIRES 0 <= v, finite. Every record is counted exactly once.
//   - While records go on, a snapshot's count is never below the count of an earlier
//     snapshot taken by the same thread (counts do not go backwards), and it includes every
//     record that happened-before the snapshot call. The fields of one snapshot need not agree
//     with each other (a record may be in the count and not yet in the sum) unless the
//     recorder declares `static constexpr bool consistent = true` (recorder_consistent<T>()):
//     then every snapshot's buckets add up to its count.
//   - Once recording has stopped and the snapshotting thread has synchronised with every
//     recording thread (join, barrier): count = records made, sum = their sum (exact whenever
//     every partial sum is exact in a double; a fixed-point recorder states its granularity),
//     min and max exact, and each value in bucket recorder_bucket(v), so the buckets add up
//     to the count.
enum class Fields { counter, stats, histogram };

constexpr std::string_view to_string(Fields f) {
  switch (f) {
    case Fields::counter: return "counter";
    case Fields::stats: return "stats";
    case Fields::histogram: return "histogram";
  }
  return "?";
}
constexpr bool has_extremes(Fields f) { return f != Fields::counter; }
constexpr bool has_buckets(Fields f) { return f == Fields::histogram; }

// Bucket 0 holds [0, 1); bucket i holds [2^(i-1), 2^i); the last bucket also everything above.
inline constexpr unsigned kRecorderBuckets = 64;

constexpr unsigned recorder_bucket(double v) noexcept {
  if (!(v >= 1.0)) return 0;
  if (v >= 0x1p62) return kRecorderBuckets - 1;
  return static_cast<unsigned>(std::bit_width(static_cast<std::uint64_t>(v)));
}
// Bounds of bucket i: low <= v < high (high = +inf for the last).
constexpr double recorder_bucket_low(unsigned i) noexcept {
  return i == 0 ? 0.0 : static_cast<double>(std::uint64_t{1} << (i - 1));
}
constexpr double recorder_bucket_high(unsigned i) noexcept {
  return i + 1 >= kRecorderBuckets ? std::numeric_limits<double>::infinity()
                                   : static_cast<double>(std::uint64_t{1} << i);
}

// What snapshot() returns. Empty: all zero, min = +inf, max = -inf (the identities of min and
// max, so that merging cells or buffers is plain min/max).
struct Recorded {
  std::uint64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::array<std::uint64_t, kRecorderBuckets> buckets{};
};

template <class T>
concept Recorder = Named<T> && requires(T& t, double v) {
  { T::fields } -> std::convertible_to<Fields>;
  t.record(v);
  { t.snapshot() } -> std::same_as<Recorded>;
};

template <class T>
constexpr bool recorder_consistent() {
  if constexpr (requires { T::consistent; }) return T::consistent; else return false;
}

// Optional memory_bytes(): what the recorder occupies now (per-thread designs grow with the
// threads that recorded); sizeof otherwise.
template <class T>
std::size_t recorder_memory(const T& t) {
  if constexpr (requires { t.memory_bytes(); }) return t.memory_bytes(); else return sizeof(T);
}
// ---- end Recorder --------------------------------------------------------------------------

// A published value: read(fn) calls fn with a consistent view (the value as some complete
// update left it) and returns what fn returns; update(fn) publishes fn's modification of the
// current value as the next one (updates are serialised: none is lost). value_type starts
// default-constructed. A view must not be kept after fn returns (it may be reclaimed).
//
// Optional, detected with snapshot_offline() below: thread_offline(), "the calling thread
// will not read for a while (it is about to block)". Quiescent-state-based RCU needs it: an
// idle reader that never says so stalls every grace period, and so every update. read()
// brings the thread back online by itself. Callers that read and then block (a harness
// worker at the end of its window, a coordinator after verify) call snapshot_offline().
//
// Optional, detected with snapshot_reclaim(): reclaim(), "free every retired copy no reader
// holds now". For snapshots whose updates do not wait for readers (hazard pointers): called
// when no thread reads, it frees them all. Snapshots whose update() waits needn't have it.
template <class T>
concept Snapshot = Named<T> && requires(T& t) {
  typename T::value_type;
  t.read([](const typename T::value_type&) {});
  t.update([](typename T::value_type&) {});
};

template <class T>
void snapshot_offline(T& t) {
  if constexpr (requires { t.thread_offline(); }) t.thread_offline();
}

template <class T>
void snapshot_reclaim(T& t) {
  if constexpr (requires { t.reclaim(); }) t.reclaim();
}

// A queue of value_type items (queues are templates over it, like snapshots): try_push copies
// an item in and returns false, changing nothing, when it cannot take it now (bounded and
// full); try_pop moves the oldest available item out and returns false when it has none. Its
// contract is in its traits: producers/consumers (single: at most one thread pushes / pops at
// a time), bounded, order. A queue is constructible from a QueueConfig (capacity: the bound
// of a bounded queue, a sizing hint for the others) or default-constructible.
//
// Optional, detected by the helpers below:
//  - Handle: a per-thread view, `typename T::Handle h(q);` made on the thread that uses it and
//    destroyed on it, with the same try_push/try_pop (producer/consumer tokens, a garbage
//    collector's thread registration). queue_handle(q) gives it, or a plain forwarder.
//  - try_push_bulk(const value_type*, n) / try_pop_bulk(value_type*, n) -> how many were
//    pushed / popped (a prefix, in order). push_bulk()/pop_bulk() fall back to a loop.
template <class T>
concept Queue = Named<T> && requires(T& t, const typename T::value_type& v, typename T::value_type& out) {
  typename T::value_type;
  { t.try_push(v) } -> std::convertible_to<bool>;
  { t.try_pop(out) } -> std::convertible_to<bool>;
};

struct QueueConfig {
  std::size_t capacity = 1024;
};

template <Queue Q>
std::unique_ptr<Q> make_queue(QueueConfig c) {
  if constexpr (std::is_constructible_v<Q, QueueConfig>) return std::make_unique<Q>(c);
  else return std::make_unique<Q>();
}

namespace detail {
template <class Q>
class Forward {
 public:
  explicit Forward(Q& q) noexcept : q_(q) {}
  bool try_push(const typename Q::value_type& v) { return q_.try_push(v); }
  bool try_pop(typename Q::value_type& v) { return q_.try_pop(v); }
  std::size_t try_push_bulk(const typename Q::value_type* v, std::size_t n)
    requires requires(Q& q, const typename Q::value_type* p, std::size_t k) { q.try_push_bulk(p, k); }
  {
    return q_.try_push_bulk(v, n);
  }
  std::size_t try_pop_bulk(typename Q::value_type* v, std::size_t n)
    requires requires(Q& q, typename Q::value_type* p, std::size_t k) { q.try_pop_bulk(p, k); }
  {
    return q_.try_pop_bulk(v, n);
  }

 private:
  Q& q_;
};
}  // namespace detail

// The handle a thread pushes and pops through (see Queue). Guaranteed copy elision: the
// handle is built in place, so handles that cannot move (a GC registration) work.
template <Queue Q>
auto queue_handle(Q& q) {
  if constexpr (requires { typename Q::Handle; }) return typename Q::Handle(q);
  else return detail::Forward<Q>(q);
}

// Pushes items [0, n) in order until one does not fit; returns how many went in.
template <class H, class V>
std::size_t push_bulk(H& h, const V* v, std::size_t n) {
  if constexpr (requires { h.try_push_bulk(v, n); }) {
    return h.try_push_bulk(v, n);
  } else {
    std::size_t i = 0;
    while (i < n && h.try_push(v[i])) ++i;
    return i;
  }
}

// Pops up to n items into v[0..); returns how many.
template <class H, class V>
std::size_t pop_bulk(H& h, V* v, std::size_t n) {
  if constexpr (requires { h.try_pop_bulk(v, n); }) {
    return h.try_pop_bulk(v, n);
  } else {
    std::size_t i = 0;
    while (i < n && h.try_pop(v[i])) ++i;
    return i;
  }
}

// Compile-time lists of primitive types, one per kind (see kinds.hpp).
template <class... Ts>
struct TypeList {};

template <class... Lists>
struct Concat;
template <>
struct Concat<> {
  using type = TypeList<>;
};
template <class... A>
struct Concat<TypeList<A...>> {
  using type = TypeList<A...>;
};
template <class... A, class... B, class... Rest>
struct Concat<TypeList<A...>, TypeList<B...>, Rest...> {
  using type = typename Concat<TypeList<A..., B...>, Rest...>::type;
};

template <class... Ts, class F>
void for_each_type(TypeList<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}

// Lists of primitive templates, for the kinds that are templates over a value (Snapshot over
// the value it publishes, Queue over its item) or over the Fields they keep (Recorder): listed
// once in kinds.hpp, instantiated per value with Instantiate, registered whole with
// register_primitive_template (lfbench.hpp).
template <template <class> class... Ts>
struct ValueTemplates {};
template <template <Fields> class... Ts>
struct FieldsTemplates {};

template <template <class> class... A>
struct Concat<ValueTemplates<A...>> {
  using type = ValueTemplates<A...>;
};
template <template <class> class... A, template <class> class... B, class... Rest>
struct Concat<ValueTemplates<A...>, ValueTemplates<B...>, Rest...> {
  using type = typename Concat<ValueTemplates<A..., B...>, Rest...>::type;
};
template <template <Fields> class... A>
struct Concat<FieldsTemplates<A...>> {
  using type = FieldsTemplates<A...>;
};
template <template <Fields> class... A, template <Fields> class... B, class... Rest>
struct Concat<FieldsTemplates<A...>, FieldsTemplates<B...>, Rest...> {
  using type = typename Concat<FieldsTemplates<A..., B...>, Rest...>::type;
};

template <class Templates, class V>
struct Instantiate;
template <template <class> class... Ts, class V>
struct Instantiate<ValueTemplates<Ts...>, V> {
  using type = TypeList<Ts<V>...>;
};
template <class Templates, Fields F>
struct InstantiateFields;
template <template <Fields> class... Ts, Fields F>
struct InstantiateFields<FieldsTemplates<Ts...>, F> {
  using type = TypeList<Ts<F>...>;
};

template <template <class> class... Ts, class F>
void for_each_template(ValueTemplates<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}
template <template <Fields> class... Ts, class F>
void for_each_template(FieldsTemplates<Ts...>, F&& f) {
  (f.template operator()<Ts>(), ...);
}

}  // namespace lfbench::prim
