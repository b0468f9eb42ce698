// Copy-on-write with liburcu's QSBR flavour (quiescent-state-based RCU): reading costs
// nothing at all (read_lock is empty); instead every reading thread announces a quiescent
// state after each read (a load and a compare unless a grace period is waiting for it) and
// goes offline before it blocks (thread_offline(), see concepts.hpp). An update copies the
// value, publishes the copy, waits for every online reader's next quiescent state and frees
// the old copy. See urcu_snapshot.hpp for registration, publication and reclamation.
// Progress: readers wait-free; updates blocking (serialised by a mutex, and each waits for a
// grace period, which an online reader that never reads again would stall forever).
// Ordering: store(release) publishes the fully built copy; load(acquire) sees it whole; a
// copy is freed only after every online reader has announced a quiescent state since.
// Not for: code that cannot guarantee its reading threads announce quiescent states or go
// offline before blocking (libraries, thread pools it does not own).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_URCU

#include <urcu/urcu-qsbr.h>

#include <cstdint>

#include "urcu_snapshot.hpp"

namespace lfbench::prim {

namespace detail {
struct UrcuQsbr {
  static constexpr bool qsbr = true;
  static void register_thread() { urcu_qsbr_register_thread(); }
  static void unregister_thread() { urcu_qsbr_unregister_thread(); }
  static void read_lock() {}
  static void read_unlock() {}
  static void synchronize_rcu() { urcu_qsbr_synchronize_rcu(); }
  static void quiescent_state() { urcu_qsbr_quiescent_state(); }
  static void thread_online() { urcu_qsbr_thread_online(); }
  static void thread_offline() { urcu_qsbr_thread_offline(); }
};
}  // namespace detail

template <class T>
class UrcuQsbrSnapshot : public detail::UrcuSnapshot<T, detail::UrcuQsbr> {
 public:
  static constexpr std::string_view name = "urcu_qsbr_snapshot";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "liburcu",
                                 .tsan_blind = "grace periods run in liburcu, which is not instrumented"};
};

static_assert(Snapshot<UrcuQsbrSnapshot<std::uint64_t>>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_URCU
