// ThreadSanitizer's suppressions, compiled into every ThreadSanitizer build of lfbench (the
// library's lfbench-tsan variant included), so that lfbench verify and the tests need no file or
// TSAN_OPTIONS: TSan's runtime calls __tsan_default_suppressions() at start. Only third-party
// code whose synchronisation TSan cannot see (uninstrumented libraries) or that races itself
// (named below); lfbench's own code is never suppressed. Each primitive these cover says so in
// its traits (tsan_blind): lfbench verify calls it "not checkable", never "passed".
// A pattern naming a header matches any frame in it (frames from headers are often inlined
// under short names).
#include "../../primitives/lib/sanitizers.hpp"

#ifdef LFBENCH_TSAN
extern "C" const char* __tsan_default_suppressions();
extern "C" const char* __tsan_default_suppressions() {
  return
      // ck_brlock_read_register links a reader record into ck's list with plain stores under ck's
      // writer flag (inline asm, invisible to TSan); writers walk that list with plain loads
      // (ck_brlock_write_lock; seen once: a record's memory freshly allocated by another thread).
      "race:ck_brlock_read_register\n"
      "race:ck_brlock_write_lock\n"
      // tbb::concurrent_unordered_map allocates its list nodes with tbb_allocator (tbbmalloc, not
      // instrumented): a node freed by one thread and reused by another looks to TSan like two
      // unsynchronised constructions at one address.
      "race:tbb::detail::d1::list_node\n"
      // libstdc++ 12's std::atomic<std::shared_ptr>::load reads the stored pointer under the lock bit
      // and then releases that bit with memory_order_relaxed (shared_ptr_atomic.h, _Sp_atomic::load),
      // so the read is not ordered before the next store's write of the pointer: a real data race in
      // the library's code (harmless on x86's TSO; on weakly ordered CPUs a load could pair a new
      // pointer with the old control block). Not lfbench's: atomic_shared_ptr_snapshot measures it as is.
      "race:bits/shared_ptr_atomic.h\n"
      // moodycamel::ConcurrentQueue orders its element slots with std::atomic_thread_fence after
      // relaxed loads of the tail index (dequeue / dequeue_bulk: load relaxed, fence acquire), and
      // GCC 12's TSan does not model standalone fences: the consumer's read of a slot looks unordered
      // with the producer's construction in it. The queue and broker oracles check every message
      // arrives once with its checksum intact, under TSan as in release.
      "race:concurrentqueue/concurrentqueue.h\n"
      // moodycamel::ReaderWriterQueue (the same author's SPSC queue) orders its slots the same way:
      // a relaxed index load, then fence(memory_order_acquire) before reading the slot.
      "race:readerwriterqueue/readerwriterqueue.h\n"
      // boost.lockfree's freelist keeps nodes type-stable and relinks a freed node with a plain store
      // (tagged_ptr set_ptr) while a popper that read the node's address earlier may still load its
      // `next` atomically; the popper's tagged CAS then fails and it retries. By design (the node's
      // memory is never returned while the queue lives), but a race in the C++ model: reported, not ours.
      "race:boost/lockfree/\n"
      // tbb::concurrent_queue's pages come from cache_aligned_allocator (tbbmalloc, not instrumented):
      // a page freed by a popper and reused by a pusher looks like an unsynchronised construction.
      "race:oneapi/tbb/detail/_concurrent_queue_base.h\n"
      // libcds: its hazard-pointer reclamation (retire, scan, free) runs inside libcds.so, which is not
      // instrumented, so a node freed there and reallocated looks unsynchronised with the loads that
      // protected it. The queue oracles check every message under TSan as in release.
      "race:/usr/include/cds/\n"
      "race:libcds.so\n";
}
#endif
