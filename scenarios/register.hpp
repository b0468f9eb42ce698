// register_primitive<P>() and register_primitive_template<T>(): how a primitive reaches the
// built-in scenarios, the built-ins (builtin/primitives.cpp, over kinds.hpp's lists) and a user's
// (LFBENCH_PRIMITIVE, lfbench.hpp) alike. One line per scenario header.
#pragma once

#include "../primitives/concepts.hpp"
#include "broker.hpp"
#include "counter.hpp"
#include "cow.hpp"
#include "map.hpp"
#include "metrics.hpp"
#include "queue.hpp"
#include "rwlock.hpp"
#include "status.hpp"

namespace lfbench {

// Offers P to every built-in scenario; each takes it if P models a concept it uses.
template <class P>
void register_primitive() {
  scenario::counter::offer<P>();
  scenario::map::offer<P>();
  scenario::rwlock::offer<P>();
  scenario::status::offer<P>();
}

// The same for a template over a value: a Snapshot (cow: T<its registry>) or a Queue (queue
// and broker: T<their message>, three sizes). Each scenario instantiates it with its own value.
template <template <class> class T>
void register_primitive_template() {
  scenario::cow::offer_template<T>();
  scenario::queue::offer_template<T>();
  scenario::broker::offer_template<T>();
}

// ... and for a template over the Fields it keeps: a Recorder (metrics: T<F> for every F).
template <template <prim::Fields> class T>
void register_primitive_template() {
  scenario::metrics::offer_template<T>();
}

}  // namespace lfbench
