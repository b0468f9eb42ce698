// Copy-on-write with liburcu's memb flavour (userspace RCU, readers mark their read-side
// critical sections; the writer's grace period uses the membarrier syscall, so readers need no
// fence): a reader takes no lock and writes only its own thread's counter; an update copies
// the value, publishes the copy, waits for a grace period and frees the old copy.
// See urcu_snapshot.hpp for registration, publication and reclamation.
// Progress: readers wait-free (read_lock/read_unlock never wait, and read() runs fn once);
// updates blocking (serialised by a mutex, and each waits for a grace period).
// Ordering: store(release) publishes the fully built copy; load(acquire) sees it whole; a
// copy is freed only after every read-side critical section that could see it has ended.
// Not for: large values updated often (each update copies everything and waits a grace
// period); readers that block inside fn (they delay every update).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_URCU

#include <urcu/urcu-memb.h>

#include <cstdint>

#include "urcu_snapshot.hpp"

namespace lfbench::prim {

namespace detail {
struct UrcuMemb {
  static constexpr bool qsbr = false;
  static void register_thread() { urcu_memb_register_thread(); }
  static void unregister_thread() { urcu_memb_unregister_thread(); }
  static void read_lock() { urcu_memb_read_lock(); }
  static void read_unlock() { urcu_memb_read_unlock(); }
  static void synchronize_rcu() { urcu_memb_synchronize_rcu(); }
  static void quiescent_state() {}
  static void thread_online() {}
  static void thread_offline() {}
};
}  // namespace detail

template <class T>
class UrcuMembSnapshot : public detail::UrcuSnapshot<T, detail::UrcuMemb> {
 public:
  static constexpr std::string_view name = "urcu_memb_snapshot";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "liburcu",
                                 .tsan_blind = "grace periods run in liburcu, which is not instrumented"};
};

static_assert(Snapshot<UrcuMembSnapshot<std::uint64_t>>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_URCU
