#include "usage.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace lfbench {

namespace {
std::atomic<unsigned long> g_continues{0};  // lock-free: written by a signal handler
void on_continue(int) { g_continues.fetch_add(1, std::memory_order_relaxed); }
}  // namespace

void count_continues() {
  struct sigaction sa{};
  sa.sa_handler = on_continue;
  sa.sa_flags = SA_RESTART;  // the worker's reads and sleeps go on
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGCONT, &sa, nullptr);
}

unsigned long continues() { return g_continues.load(std::memory_order_relaxed); }

UsageProbe::UsageProbe() { schedstat_fd_ = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC); }

UsageProbe::~UsageProbe() {
  if (schedstat_fd_ >= 0) ::close(schedstat_fd_);
}

UsageProbe::Sample UsageProbe::read() const {
  Sample s;
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  s.cpu_ns = static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
  rusage ru{};
  if (getrusage(RUSAGE_THREAD, &ru) == 0) {
    s.involuntary = static_cast<std::uint64_t>(ru.ru_nivcsw);
    s.voluntary = static_cast<std::uint64_t>(ru.ru_nvcsw);
  }
  if (schedstat_fd_ >= 0) {
    // "<ns on cpu> <ns waiting on a runqueue> <timeslices>"
    char buf[128];
    const ssize_t n = ::pread(schedstat_fd_, buf, sizeof buf - 1, 0);
    if (n > 0) {
      buf[n] = '\0';
      unsigned long long run = 0, wait = 0;
      if (std::sscanf(buf, "%llu %llu", &run, &wait) == 2) {
        s.runqueue_ns = wait;
        s.have_runqueue = true;
      }
    }
  }
  return s;
}

ThreadUsage UsageProbe::between(const Sample& a, const Sample& b) {
  ThreadUsage u;
  u.cpu_seconds = static_cast<double>(b.cpu_ns - a.cpu_ns) * 1e-9;
  u.involuntary = b.involuntary - a.involuntary;
  u.voluntary = b.voluntary - a.voluntary;
  if (a.have_runqueue && b.have_runqueue) u.runqueue_seconds = static_cast<double>(b.runqueue_ns - a.runqueue_ns) * 1e-9;
  return u;
}

double steal_seconds(std::span<const int> cpus) {
  std::ifstream in("/proc/stat");
  if (!in) return -1;
  const double tick = 1.0 / static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
  std::string line;
  double total = 0;
  bool any = false;
  while (std::getline(in, line)) {
    if (line.rfind("cpu", 0) != 0) break;
    if (line.size() < 4 || line[3] == ' ') continue;  // the all-CPU line
    std::istringstream f(line.substr(3));
    int id = -1;
    unsigned long long v[8] = {};
    f >> id;
    for (auto& x : v) f >> x;
    if (!cpus.empty() && std::find(cpus.begin(), cpus.end(), id) == cpus.end()) continue;
    total += static_cast<double>(v[7]) * tick;  // user nice system idle iowait irq softirq steal
    any = true;
  }
  return any ? total : -1;
}

namespace {
// Usage is read just before the start barrier and just after the stop, so a share of the
// window can exceed 1 by the barrier's wait; "all of it" is what it means.
std::string pct(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f%%", 100 * std::min(x, 1.0));
  return b;
}
}  // namespace

double lost_share(double wall, std::span<const ThreadUsage> threads, double steal) {
  if (wall <= 0 || threads.empty()) return -1;
  double waited = 0;
  for (const auto& t : threads) {
    if (t.runqueue_seconds < 0) return -1;
    waited = std::max(waited, t.runqueue_seconds);
  }
  return std::clamp((waited + std::max(0.0, steal) / static_cast<double>(threads.size())) / wall, 0.0, 1.0);
}

WindowJudgement judge_window(double wall, unsigned cpus, bool blocking, std::span<const ThreadUsage> threads,
                             double steal) {
  WindowJudgement j;
  if (wall <= 0 || threads.empty()) return j;
  const double n = static_cast<double>(threads.size());
  const double capacity = std::min(n, static_cast<double>(std::max(1u, cpus)));  // CPUs the threads can use
  const bool oversubscribed = n > capacity;
  const bool know_runqueue =
      std::all_of(threads.begin(), threads.end(), [](const ThreadUsage& u) { return u.runqueue_seconds >= 0; });
  const auto flag = [&](const std::string& why) {
    j.reason += (j.disturbed ? "; " : "") + why;
    j.disturbed = true;
  };

  if (steal > kMaxLostShare * wall * capacity) flag("the hypervisor took " + pct(steal / (wall * capacity)) + " of the CPUs' time");

  if (!oversubscribed) {
    for (std::size_t i = 0; i < threads.size(); ++i) {
      const ThreadUsage& u = threads[i];
      const std::string who = "thread " + std::to_string(i);
      if (know_runqueue && u.runqueue_seconds > kMaxLostShare * wall)
        flag(who + " waited " + pct(u.runqueue_seconds / wall) + " of the window for a CPU another process had");
      else if (!know_runqueue && u.involuntary > 0 && u.cpu_seconds < (1 - kMaxLostShare) * wall)
        flag(who + " was switched out " + std::to_string(u.involuntary) + " times and ran " + pct(u.cpu_seconds / wall) +
             " of the window");
      if (!blocking && !u.sleeps_by_design && u.cpu_seconds < (1 - kMaxLostShare) * wall)
        flag(who + " of a non-blocking primitive ran only " + pct(u.cpu_seconds / wall) + " of the window");
    }
    return j;
  }

  // Oversubscribed: the threads time-slice among themselves; what counts is CPU time they
  // could have had (they were runnable) but did not get.
  double cpu = 0, runnable = 0, always_on = 0, always_on_time = 0;
  for (const ThreadUsage& u : threads) {
    cpu += u.cpu_seconds;
    runnable += u.cpu_seconds + std::max(0.0, u.runqueue_seconds);
    if (!blocking && !u.sleeps_by_design) {
      always_on += 1;
      always_on_time += u.cpu_seconds + std::max(0.0, u.runqueue_seconds);
    }
  }
  if (know_runqueue) {
    const double could = std::min(capacity * wall, runnable);
    if (could > 0 && could - cpu > kMaxLostShare * could)
      flag("the threads got " + pct((could - cpu) / could) + " less CPU than the " + std::to_string(int(capacity)) +
           " CPUs could give them while they were runnable");
    if (always_on > 0 && always_on_time < (1 - kMaxLostShare) * always_on * wall)
      flag("threads of a non-blocking primitive were neither running nor runnable for " +
           pct(1 - always_on_time / (always_on * wall)) + " of the window");
  } else if (!blocking && cpu < (1 - kMaxLostShare) * capacity * wall) {
    flag("the threads used " + pct(cpu / (capacity * wall)) + " of the CPUs they could use");
  }
  return j;
}

}  // namespace lfbench
