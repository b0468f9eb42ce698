// The list of primitives of each kind. Adding a primitive = its header + one line here.
// Library adapters are listed only when their library was found at build time
// (LFBENCH_HAVE_<LIB>, set by meson).
#pragma once

#include "lfbench_config.h"

#include "atomic_counter.hpp"
#include "atomic_shared_ptr_snapshot.hpp"
#include "cas_loop.hpp"
#include "concepts.hpp"
#include "distributed_rwlock.hpp"
#include "hazard_pointer_snapshot.hpp"
#include "lib/atomic_queue.hpp"
#include "lib/boost_lockfree_queue.hpp"
#include "lib/boost_spsc_queue.hpp"
#include "lib/cds_queue.hpp"
#include "lib/ck_brlock.hpp"
#include "lib/ck_rwlock.hpp"
#include "lib/moodycamel_queue.hpp"
#include "lib/readerwriterqueue.hpp"
#include "lib/tbb_concurrent_hash_map.hpp"
#include "lib/tbb_concurrent_queue.hpp"
#include "lib/tbb_concurrent_unordered_map.hpp"
#include "lib/tbb_queuing_rw_mutex.hpp"
#include "lib/tbb_spin_rw_mutex.hpp"
#include "lib/urcu_memb_snapshot.hpp"
#include "lib/urcu_qsbr_snapshot.hpp"
#include "mpmc_ring.hpp"
#include "mutex_deque.hpp"
#include "mutex_map.hpp"
#include "mutex_snapshot.hpp"
#include "pthread_rwlock.hpp"
#include "pthread_rwlock_prefer_writer.hpp"
#include "pthread_spinlock.hpp"
#include "seed_ring.hpp"
#include "seqlock.hpp"
#include "shared_mutex_map.hpp"
#include "shared_mutex_snapshot.hpp"
#include "sharded_mutex_map.hpp"
#include "spsc_ring.hpp"
#include "sharded_shared_mutex_map.hpp"
#include "std_mutex.hpp"
#include "std_shared_mutex.hpp"
#include "striped_counter.hpp"
#include "ttas_spinlock.hpp"

namespace lfbench::prim {

using Locks = TypeList<StdMutex, TtasSpinlock, PthreadSpinlock>;

using SharedLocks = Concat<TypeList<StdSharedMutex, PthreadRwlock, PthreadRwlockPreferWriter, DistributedRwlock>,
#if LFBENCH_HAVE_TBB
                           TypeList<TbbSpinRwMutex, TbbQueuingRwMutex>,
#endif
#if LFBENCH_HAVE_CK
                           TypeList<CkRwlock, CkBrlock>,
#endif
                           TypeList<>>::type;

// Readers validate instead of holding the lock (concepts.hpp, OptimisticLock).
using OptimisticLocks = TypeList<Seqlock>;

using Counters = TypeList<AtomicRelaxed, AtomicSeqCst, CasLoop, StripedCounter>;

// ---- Recorders (a self-contained block: its own includes) ----------------------------------
}  // namespace lfbench::prim

#include "atomic_recorder.hpp"
#include "fixed_point_recorder.hpp"
#include "hot_cold_recorder.hpp"
#include "lib/prometheus_counter.hpp"
#include "lib/prometheus_gauge.hpp"
#include "lib/prometheus_histogram.hpp"
#include "mutex_recorder.hpp"
#include "striped_recorder.hpp"

namespace lfbench::prim {

// Recorders are templates over the fields they keep (concepts.hpp, Fields): Recorders<F>.
using RecorderTemplates =
    Concat<FieldsTemplates<MutexRecorder, AtomicRecorder, FixedPointRecorder, StripedRecorder, HotColdRecorder>
#if LFBENCH_HAVE_PROMETHEUS
           ,
           FieldsTemplates<PrometheusCounterRecorder, PrometheusGaugeRecorder, PrometheusHistogramRecorder>
#endif
           >::type;
template <Fields F>
using Recorders = typename InstantiateFields<RecorderTemplates, F>::type;
// ---- end Recorders -------------------------------------------------------------------------

// Snapshots are templates over the value they publish: Snapshots<V> lists them for value V.
using SnapshotTemplates =
    Concat<ValueTemplates<MutexSnapshot, SharedMutexSnapshot, AtomicSharedPtrSnapshot, HazardPointerSnapshot>
#if LFBENCH_HAVE_URCU
           ,
           ValueTemplates<UrcuMembSnapshot, UrcuQsbrSnapshot>
#endif
           >::type;
template <class V>
using Snapshots = typename Instantiate<SnapshotTemplates, V>::type;

using Maps = Concat<TypeList<MutexMap, SharedMutexMap, ShardedMutexMap, ShardedSharedMutexMap>,
#if LFBENCH_HAVE_TBB
                    TypeList<TbbConcurrentHashMap, TbbConcurrentUnorderedMap>,
#endif
                    TypeList<>>::type;

// Queues are templates over the item they carry: Queues<V> lists them for item V. seed_ring
// (case 000's broken ring) is listed so that the queue scenario can show its oracle catching
// it; its traits say known_broken.
using QueueTemplates = typename Concat<ValueTemplates<MutexDeque, MpmcRing, SpscRing, SeedRing>,
#if LFBENCH_HAVE_ATOMIC_QUEUE
                               ValueTemplates<AtomicQueueMpmc, AtomicQueueSpsc>,
#endif
#if LFBENCH_HAVE_MOODYCAMEL
                               ValueTemplates<MoodycamelQueue, MoodycamelQueueTokens, MoodycamelBlockingQueue>,
#endif
#if LFBENCH_HAVE_READERWRITERQUEUE
                               ValueTemplates<Readerwriterqueue>,
#endif
#if LFBENCH_HAVE_BOOST_LOCKFREE
                               ValueTemplates<BoostLockfreeQueue, BoostSpscQueue>,
#endif
#if LFBENCH_HAVE_TBB
                               ValueTemplates<TbbConcurrentQueue, TbbConcurrentBoundedQueue>,
#endif
#if LFBENCH_HAVE_CDS
                               ValueTemplates<CdsMsqueue, CdsBasketQueue, CdsSegmentedQueue, CdsVyukovMpmcCycleQueue,
                                        CdsFcQueue>,
#endif
                               ValueTemplates<>>::type;

template <class V>
using Queues = typename Instantiate<QueueTemplates, V>::type;

}  // namespace lfbench::prim
