// What each measuring thread got of the machine during a window, and the rule that decides
// whether the window measured the primitive or the machine's other tenants.
//
// Per thread (read before its start barrier and after it stops, never inside the loop): CPU
// time (CLOCK_THREAD_CPUTIME_ID), voluntary and involuntary context switches
// (getrusage(RUSAGE_THREAD)) and, where the kernel keeps schedstats, the time it spent
// runnable but not running (/proc/thread-self/schedstat: the direct measure of "another
// process had my CPU"). Per window, the coordinator adds the hypervisor's steal time on the
// CPUs used (/proc/stat).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lfbench {

struct ThreadUsage {
  double cpu_seconds = 0;
  double runqueue_seconds = -1;  // -1: not known (no schedstat on this kernel)
  std::uint64_t involuntary = 0, voluntary = 0;
  bool sleeps_by_design = false;  // a paced thread (Worker::sleeps_by_design)
};

// Reads the calling thread's counters; opened once per thread (the schedstat file stays open).
class UsageProbe {
 public:
  UsageProbe();
  ~UsageProbe();
  UsageProbe(const UsageProbe&) = delete;
  UsageProbe& operator=(const UsageProbe&) = delete;

  struct Sample {
    std::uint64_t cpu_ns = 0, runqueue_ns = 0, involuntary = 0, voluntary = 0;
    bool have_runqueue = false;
  };
  Sample read() const;
  static ThreadUsage between(const Sample& a, const Sample& b);

 private:
  int schedstat_fd_ = -1;
};

// How many times this process was continued after a stop (SIGSTOP, SIGTSTP, then SIGCONT),
// counted by a SIGCONT handler that count_continues() installs (the worker's main): a window
// the count changed across was stopped part of its time, and is judged disturbed.
void count_continues();
unsigned long continues();

// Hypervisor steal time summed over the given CPUs (all when empty), in seconds since boot;
// -1 when /proc/stat cannot be read.
double steal_seconds(std::span<const int> cpus);

// The disturbance rule (README, "Disturbed windows"). A thread may lose at most kMaxLostShare
// of the window to others before the window is judged disturbed:
// - not oversubscribed (threads <= CPUs): any thread that waited for a CPU longer than that
//   (schedstat), or, without schedstat, was switched out involuntarily and ran less than
//   (1 - kMaxLostShare) of the window;
// - oversubscribed: the threads' CPU time fell short of what the CPUs could give them while
//   they were runnable (their own time-slicing is not a disturbance);
// - a thread of a non-blocking primitive (lock-free, wait-free) should be on a CPU its whole
//   share of the window: one that was neither running nor runnable (slept, or the hypervisor
//   took its CPU) longer than that disturbs the window too. Blocking primitives sleep by
//   design, so for them only waiting for a CPU counts; so do paced threads;
// - the hypervisor stole more than that share of the CPUs' time.
inline constexpr double kMaxLostShare = 0.05;

struct WindowJudgement {
  bool disturbed = false;
  std::string reason;  // empty when clean
};

WindowJudgement judge_window(double wall_seconds, unsigned cpus, bool blocking, std::span<const ThreadUsage> threads,
                             double steal_seconds);

// The share of the window that others took: the longest any thread waited for a CPU
// (schedstat), plus the hypervisor's steal per thread; -1 when the kernel keeps no schedstat.
// compare keeps a disturbed A/B pair whose two windows lost alike (compare.hpp).
double lost_share(double wall_seconds, std::span<const ThreadUsage> threads, double steal_seconds);

}  // namespace lfbench
