// lfbench as a library: the one header a user's file includes (installed as
// <lfbench/lfbench.hpp>; `pkg-config --cflags --libs lfbench` gives the rest, `main` included).
//
//   #include <lfbench/lfbench.hpp>
//   class TicketLock {
//    public:
//     static constexpr std::string_view name = "ticket_lock";
//     void lock(); void unlock(); bool try_lock();
//   };
//   LFBENCH_PRIMITIVE(TicketLock);              // at namespace scope
//
// A template over the value it holds (a Snapshot, a Queue: `template <class V> class MyQueue`)
// or over the fields it keeps (a Recorder: `template <lfbench::prim::Fields F>`) is registered
// whole, and each scenario instantiates it with its own value type:
//   LFBENCH_PRIMITIVE_TEMPLATE(MyQueue);        // queue and broker; a Snapshot: cow
//
// The class then takes part in every scenario whose concept it models (primitives/concepts.hpp):
// a Lock in counter, rwlock and status; a SharedLock there too, with shared readers in rwlock
// and status; an OptimisticLock too, with optimistic readers in rwlock; a Counter in counter;
// a Map in map. Each
// scenario's oracle verifies it, and the full CLI (list, describe, run --primitive) sees it.
// The scenario's cell template is instantiated here, in the user's file: the primitive's code
// is inlined in the measured loop. `static constexpr lfbench::prim::Traits traits` is optional
// (defaults: blocking, no library).
//
// Built-in primitives are registered the same way (scenarios/builtin/primitives.cpp calls
// register_primitive<P>() and register_primitive_template<T>() over kinds.hpp's lists), and a
// user's scenario registers the way a built-in one does: a `const lfbench::Registration` of a
// Scenario (scenarios/counter.cpp), taking primitives by its own list or by add_primitive().
//
// Why static initialisers are safe here: primitives are queued by add_primitive() in a
// function-local list that scenarios() empties into the scenarios on first use (after main has
// started), whatever order the user's file and the library's files were initialised in.
#pragma once

#include <string_view>

#include "primitives/concepts.hpp"
#include "primitives/spin.hpp"
#include "scenarios/harness/scenario.hpp"
#include "scenarios/register.hpp"

namespace lfbench {

// The CPU's spin-wait hint (pause, yield), for a user's spinning primitive: the one lfbench's own
// spinlocks use.
using prim::detail::cpu_relax;

// register_primitive<P>() and register_primitive_template<T>(), which the macros below call:
// scenarios/register.hpp, beside the scenarios they offer a primitive to.

namespace detail {

// The kind a class is meant for, judged from the members it has, so that a class missing one
// member gets an error naming that member (not pages of template errors from the scenarios).
template <class T>
constexpr bool has_lock_members = requires(T& t) { t.lock(); } || requires(T& t) { t.unlock(); } ||
                                  requires(T& t) { t.try_lock(); };
template <class T>
constexpr bool has_shared_members = requires(T& t) { t.lock_shared(); } || requires(T& t) { t.unlock_shared(); } ||
                                    requires(T& t) { t.try_lock_shared(); };
template <class T>
constexpr bool has_optimistic_members = requires(const T& t) { t.read_begin(); } ||
                                        requires(const T& t, std::uint64_t s) { t.read_retry(s); };
template <class T>
constexpr bool has_counter_members = requires(T& t, std::uint64_t n) { t.add(n); };
template <class T>
constexpr bool has_map_members = requires(T& t, std::uint64_t k, std::uint64_t v) { t.get_or_add(k, v); } ||
                                 requires(T& t, std::uint64_t k, std::uint64_t* out) { t.find(k, out); };

template <class T, bool AsTemplate = false>
constexpr bool check_primitive() {
  static_assert(requires { { T::name } -> std::convertible_to<std::string_view>; },
                "LFBENCH_PRIMITIVE: a primitive needs static constexpr std::string_view name");
  if constexpr (has_lock_members<T> || has_shared_members<T> || has_optimistic_members<T>) {
    static_assert(requires(T& t) { t.lock(); }, "LFBENCH_PRIMITIVE: a Lock needs void lock()");
    static_assert(requires(T& t) { t.unlock(); }, "LFBENCH_PRIMITIVE: a Lock needs void unlock()");
    static_assert(requires(T& t) { { t.try_lock() } -> std::convertible_to<bool>; },
                  "LFBENCH_PRIMITIVE: a Lock needs bool try_lock()");
  }
  if constexpr (has_shared_members<T>) {
    static_assert(requires(T& t) { t.lock_shared(); }, "LFBENCH_PRIMITIVE: a SharedLock needs void lock_shared()");
    static_assert(requires(T& t) { t.unlock_shared(); },
                  "LFBENCH_PRIMITIVE: a SharedLock needs void unlock_shared()");
    static_assert(requires(T& t) { { t.try_lock_shared() } -> std::convertible_to<bool>; },
                  "LFBENCH_PRIMITIVE: a SharedLock needs bool try_lock_shared()");
  }
  if constexpr (has_optimistic_members<T>) {
    static_assert(requires(const T& t) { { t.read_begin() } -> std::convertible_to<std::uint64_t>; },
                  "LFBENCH_PRIMITIVE: an OptimisticLock needs std::uint64_t read_begin() const");
    static_assert(requires(const T& t, std::uint64_t s) { { t.read_retry(s) } -> std::convertible_to<bool>; },
                  "LFBENCH_PRIMITIVE: an OptimisticLock needs bool read_retry(std::uint64_t) const");
  }
  if constexpr (has_counter_members<T>) {
    static_assert(requires(T& t) { { t.read() } -> std::convertible_to<std::uint64_t>; },
                  "LFBENCH_PRIMITIVE: a Counter needs std::uint64_t read()");
  }
  if constexpr (has_map_members<T>) {
    static_assert(requires(T& t, std::uint64_t k, std::uint64_t* out) { { t.find(k, out) } -> std::convertible_to<bool>; },
                  "LFBENCH_PRIMITIVE: a Map needs bool find(std::uint64_t key, std::uint64_t* out)");
    static_assert(requires(T& t, std::uint64_t k, std::uint64_t v) { { t.get_or_add(k, v) } -> std::convertible_to<std::uint64_t>; },
                  "LFBENCH_PRIMITIVE: a Map needs std::uint64_t get_or_add(std::uint64_t key, std::uint64_t value)");
    static_assert(requires(T& t) { { t.size() } -> std::convertible_to<std::size_t>; },
                  "LFBENCH_PRIMITIVE: a Map needs std::size_t size()");
  }
  constexpr bool meant = has_lock_members<T> || has_shared_members<T> || has_optimistic_members<T> ||
                        has_counter_members<T> || has_map_members<T>;
  if constexpr (!meant) {
    static_assert(AsTemplate || !(prim::Snapshot<T> || prim::Queue<T> || prim::Recorder<T>),
                  "LFBENCH_PRIMITIVE: a Snapshot, Queue or Recorder is registered as a template, each scenario "
                  "instantiating it with its own value: LFBENCH_PRIMITIVE_TEMPLATE(YourTemplate)");
    static_assert(prim::Snapshot<T> || prim::Queue<T> || prim::Recorder<T>,
                  "LFBENCH_PRIMITIVE: the class has the members of no kind concept (primitives/concepts.hpp: "
                  "Lock, SharedLock, OptimisticLock, Counter, Map; templates: Snapshot, Queue, Recorder)");
  }
  return true;
}

// A template is checked as the scenarios instantiate it: over a 64-bit value (snapshots,
// queues), over the stats fields (recorders).
template <template <class> class T>
constexpr bool check_primitive_template() {
  using P = T<std::uint64_t>;
  if constexpr (requires(P& p, const typename P::value_type& v) { p.try_push(v); } ||
                requires(P& p, typename P::value_type& v) { p.try_pop(v); }) {
    static_assert(requires(P& p, const typename P::value_type& v) { { p.try_push(v) } -> std::convertible_to<bool>; },
                  "LFBENCH_PRIMITIVE_TEMPLATE: a Queue needs bool try_push(const value_type&)");
    static_assert(requires(P& p, typename P::value_type& v) { { p.try_pop(v) } -> std::convertible_to<bool>; },
                  "LFBENCH_PRIMITIVE_TEMPLATE: a Queue needs bool try_pop(value_type&)");
  }
  static_assert(requires { typename P::value_type; },
                "LFBENCH_PRIMITIVE_TEMPLATE: a Snapshot or Queue template needs using value_type = V");
  return check_primitive<P, true>();
}
template <template <prim::Fields> class T>
constexpr bool check_primitive_template() {
  using P = T<prim::Fields::stats>;
  static_assert(requires(P& p, double v) { p.record(v); }, "LFBENCH_PRIMITIVE_TEMPLATE: a Recorder needs void record(double)");
  static_assert(requires(P& p) { { p.snapshot() } -> std::same_as<prim::Recorded>; },
                "LFBENCH_PRIMITIVE_TEMPLATE: a Recorder needs prim::Recorded snapshot()");
  static_assert(requires { { P::fields } -> std::convertible_to<prim::Fields>; },
                "LFBENCH_PRIMITIVE_TEMPLATE: a Recorder needs static constexpr prim::Fields fields = F");
  return check_primitive<P, true>();
}

}  // namespace detail
}  // namespace lfbench

#define LFBENCH_DETAIL_CAT2(a, b) a##b
#define LFBENCH_DETAIL_CAT(a, b) LFBENCH_DETAIL_CAT2(a, b)

// At namespace scope: registers class T with every scenario that can measure it. A static
// initialiser in the user's own file (never dropped by the linker, unlike one in a library).
#define LFBENCH_PRIMITIVE_TEMPLATE(T)                                                            \
  static_assert(::lfbench::detail::check_primitive_template<T>());                               \
  [[maybe_unused]] static const bool LFBENCH_DETAIL_CAT(lfbench_registered_, __COUNTER__) = \
      (::lfbench::register_primitive_template<T>(), true)

#define LFBENCH_PRIMITIVE(T)                                                                     \
  static_assert(::lfbench::detail::check_primitive<T>());                                        \
  [[maybe_unused]] static const bool LFBENCH_DETAIL_CAT(lfbench_registered_, __COUNTER__) = \
      (::lfbench::register_primitive<T>(), true)
