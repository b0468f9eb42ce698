// The list of primitives of each kind. Adding a primitive = its header + one line here.
// Library adapters are listed only when their library was found at build time
// (LFBENCH_HAVE_<LIB>, set by meson).
#pragma once

#include "atomic_counter.hpp"
#include "cas_loop.hpp"
#include "concepts.hpp"
#include "pthread_spinlock.hpp"
#include "std_mutex.hpp"
#include "striped_counter.hpp"
#include "ttas_spinlock.hpp"

namespace lfbench::prim {

using Locks = TypeList<StdMutex, TtasSpinlock, PthreadSpinlock>;

using Counters = TypeList<AtomicRelaxed, AtomicSeqCst, CasLoop, StripedCounter>;

}  // namespace lfbench::prim
