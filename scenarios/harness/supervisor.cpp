#include "supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "protocol.hpp"
#include "retry_eintr.hpp"

namespace lfbench {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

namespace detail {

// The worker's threads as the scheduler saw them: per task, the time it waited for a CPU
// (/proc/PID/task/TID/schedstat, second field, ns), and whether one is stopped (state T or t).
struct SchedState {
  std::map<long, std::uint64_t> waited;
  bool stopped = false;
};

SchedState sched_state(pid_t pid) {
  SchedState st;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return st;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string task = dir + "/" + e->d_name;
    char buf[512];
    if (FILE* f = std::fopen((task + "/schedstat").c_str(), "r")) {
      unsigned long long run = 0, wait = 0;
      if (std::fscanf(f, "%llu %llu", &run, &wait) == 2) st.waited[std::atol(e->d_name)] = wait;
      std::fclose(f);
    }
    if (FILE* f = std::fopen((task + "/stat").c_str(), "r")) {
      const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
      buf[n] = '\0';
      // "PID (COMM) S ...": the state follows the last ')' (COMM may hold anything).
      if (const char* close = std::strrchr(buf, ')'); close && close[1] == ' ' && (close[2] == 'T' || close[2] == 't'))
        st.stopped = true;
      std::fclose(f);
    }
  }
  ::closedir(d);
  return st;
}

}  // namespace detail
using detail::SchedState;
using detail::sched_state;

// A watchdog bound counted in the worker's own time. Each poll charges the wall time since the
// last, at most kTick + kTickSlack (a supervisor that was stopped or starved for longer charges
// no more: its worker ran on or was stopped with it). When the charge reaches the bound, the
// worker's threads are read: the longest any waited for a CPU since the bound began is taken
// off (a loaded machine delays the worker; it does not hang it), and a stopped worker charges
// nothing while stopped. A hard cap (kHardFactor x the bound) ends even a starved wait.
class Watchdog {
 public:
  static constexpr milliseconds kTick{250}, kTickSlack{50};
  static constexpr int kHardFactor = 20;
  Watchdog(pid_t pid, nanoseconds bound)
      : pid_(pid), bound_(bound), start_(clock_type::now()), last_(start_), at_start_(sched_state(pid)) {}
  // A new phase's bound, from now. The threads' waits are still counted from the first start
  // (reading them is /proc work beside a window that is starting): a phase may be credited
  // an earlier phase's waits, which errs toward patience, never toward `hung`.
  void restart(nanoseconds bound) {
    bound_ = bound;
    start_ = last_ = clock_type::now();
    charged_ = credit_ = stopped_credit_ = nanoseconds{};
  }
  // How long the next poll may wait.
  int poll_ms() const {
    const auto left = std::chrono::duration_cast<milliseconds>(bound_ + credit_ - charged_).count();
    return static_cast<int>(std::clamp<long long>(left, 0, kTick.count()));
  }
  // After a poll: charges its time; true once the bound is used up.
  bool expired() {
    const auto now = clock_type::now();
    const nanoseconds d = std::min<nanoseconds>(now - last_, kTick + kTickSlack);
    last_ = now;
    charged_ += d;
    if (now - start_ > kHardFactor * bound_) return true;
    if (charged_ - credit_ < bound_) return false;
    const SchedState st = sched_state(pid_);
    if (st.stopped) {
      stopped_credit_ += d;  // stopped: this poll's time is not the worker's
    }
    std::uint64_t waited = 0;
    for (const auto& [tid, w] : st.waited) {
      const auto was = at_start_.waited.find(tid);
      const std::uint64_t before = was == at_start_.waited.end() ? 0 : was->second;
      waited = std::max<std::uint64_t>(waited, w > before ? w - before : 0);
    }
    credit_ = stopped_credit_ + nanoseconds(static_cast<nanoseconds::rep>(waited));
    return charged_ - credit_ >= bound_;
  }

 private:
  pid_t pid_;
  nanoseconds bound_, charged_{}, credit_{}, stopped_credit_{};
  clock_type::time_point start_, last_;
  SchedState at_start_;
};

WorkerProcess::WorkerProcess(std::string exe, unsigned threads, std::string pin, int signal_fd)
    : exe_(std::move(exe)), threads_(threads), pin_(std::move(pin)), signal_fd_(signal_fd) {}

WorkerProcess::~WorkerProcess() { stop(false); }

void WorkerProcess::start() {
  // The environment with this process's TSC rate (tsc.hpp kRateEnv), built before fork: the
  // child may only call async-signal-safe functions until it execs.
  const tsc::Calibration& cal = tsc::calibrate();
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, tsc::kRateEnv, std::strlen(tsc::kRateEnv)) != 0 || (*e)[std::strlen(tsc::kRateEnv)] != '=')
      env_text.emplace_back(*e);
  if (cal.rdtsc) {
    char rate[64];
    std::snprintf(rate, sizeof rate, "%s=%.17g", tsc::kRateEnv, cal.ns_per_tick);
    env_text.emplace_back(rate);
  }
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("cannot create a pipe for a worker: ") + std::strerror(errno));
  // The worker's stdout and stderr: an anonymous file whose tail names what went wrong. Sealed
  // at kLogCap (sparse until written): past it the worker's writes fail (EPERM), so a worker
  // that prints without end costs kLogCap of memory, not 1 GB/s until the machine runs out.
  log_fd_ = ::memfd_create("lfbench-worker-log", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (log_fd_ >= 0 && (::ftruncate(log_fd_, kLogCap) != 0 ||
                       ::fcntl(log_fd_, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)) {
    ::close(log_fd_);
    log_fd_ = -1;  // no log rather than one without a bound
  }
  log_read_ = 0;
  const std::string threads = std::to_string(threads_), pin = pin_;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("cannot start a worker: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: stdin = requests, fd 3 = results, stdout/stderr = the log; the supervisor's
    // blocked signals unblocked; dies with the supervisor.
    ::dup2(in[0], 0);
    ::dup2(out[1], kResultFd);
    if (log_fd_ >= 0) {
      ::dup2(log_fd_, 1);
      ::dup2(log_fd_, 2);
    }
    ::setpgid(0, 0);  // its own group: stop() kills what it forked too
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char* argv[] = {exe_.c_str(), "__worker", "--threads", threads.c_str(), "--pin", pin.c_str(), nullptr};
    ::execve(exe_.c_str(), const_cast<char* const*>(argv), envp.data());
    ::dprintf(2, "cannot run %s: %s\n", exe_.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: whichever of the two runs first
  ::close(in[0]);
  ::close(out[1]);
  pid_ = pid;
  to_worker_ = in[1];
  from_worker_ = out[0];
  buffer_.clear();
}

void WorkerProcess::stop(bool kill_now) {
  // The descriptors go even when the worker was reaped already (reap_detail): a crashing build
  // with a worker per A/B window leaked three of them, and its log, per window.
  if (to_worker_ >= 0) ::close(to_worker_);
  to_worker_ = -1;
  if (pid_ > 0) {
    // A healthy worker exits at end of input within milliseconds (an A/B run retires one after
    // every window); give it a second. Not reaped yet (WNOWAIT): while its pid is a zombie's,
    // the group id cannot be another's, and the whole group is killed, whatever it forked.
    for (int i = 0; i < (kill_now ? 0 : 1000); ++i) {
      siginfo_t si{};
      if (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid_) break;
      std::this_thread::sleep_for(milliseconds(1));
    }
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);  // had setpgid failed
    retry_eintr([&] { return ::waitpid(pid_, nullptr, 0); });  // killed: returns at once
    pid_ = -1;
  }
  if (from_worker_ >= 0) ::close(from_worker_);
  if (log_fd_ >= 0) ::close(log_fd_);
  from_worker_ = log_fd_ = -1;
}

bool WorkerProcess::take_signal() {
  signalfd_siginfo si{};
  if (signal_fd_ < 0 || ::read(signal_fd_, &si, sizeof si) != sizeof si) return false;
  caught_ = static_cast<int>(si.ssi_signo);
  why_ = Why::signal;
  return true;
}

bool WorkerProcess::wait_exit(milliseconds bound) {
  const auto until = clock_type::now() + bound;
  for (;;) {
    siginfo_t si{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid_) return true;
    if (clock_type::now() >= until) return false;
    pollfd p{signal_fd_, POLLIN, 0};
    retry_eintr([&] { return ::poll(&p, signal_fd_ >= 0 ? 1 : 0, 5); });
    if (take_signal()) return false;
  }
}

std::optional<std::string> WorkerProcess::next_line(Watchdog& wd) {
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    pollfd fds[2] = {{from_worker_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
    retry_eintr([&] { return ::poll(fds, signal_fd_ >= 0 ? 2 : 1, wd.poll_ms()); });
    if ((fds[1].revents & POLLIN) && take_signal()) return std::nullopt;
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      // The worker itself ended, while what it forked holds its result pipe open: no end of
      // file will come, but the worker's answer will not either.
      siginfo_t si{};
      if (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid_) {
        why_ = Why::eof;
        return std::nullopt;
      }
      if (wd.expired()) {
        why_ = Why::timeout;
        return std::nullopt;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      const ssize_t got = retry_eintr([&] { return ::read(from_worker_, buf, sizeof buf); });
      if (got > 0) {
        buffer_.append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EAGAIN) {
        why_ = Why::eof;
        return std::nullopt;
      }
    }
  }
}

// How much the worker wrote: the file's size is the cap, its offset (shared with the worker's
// stdout and stderr, which are this descriptor dup'ed) is where the next write goes.
off_t WorkerProcess::log_written() const {
  if (log_fd_ < 0) return 0;
  const off_t at = ::lseek(log_fd_, 0, SEEK_CUR);
  return at < 0 ? 0 : std::min<off_t>(at, kLogCap);
}

std::string WorkerProcess::new_tsan_report() {
  const off_t size = log_written();
  if (size <= log_read_) return "";
  // Reports are a few KB; a worker that floods its log is read up to a bound, then skipped.
  const off_t want = std::min<off_t>(size - log_read_, 1 << 20);
  std::string s(static_cast<std::size_t>(want), '\0');
  const ssize_t n = ::pread(log_fd_, s.data(), s.size(), log_read_);
  log_read_ = size;
  s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  const auto warning = s.find("WARNING: ThreadSanitizer: ");
  if (warning == std::string::npos) return "";
  const auto line_at = [&s](std::size_t from) {
    const auto end = s.find('\n', from);
    return s.substr(from, (end == std::string::npos ? s.size() : end) - from);
  };
  // "ThreadSanitizer: data race FILE:LINE in FUNCTION" from the SUMMARY line; without one (a
  // report cut short), the WARNING line and the first frame.
  std::string what, frame;
  if (const auto summary = s.find("SUMMARY: ThreadSanitizer: ", warning); summary != std::string::npos) {
    what = line_at(summary + 9);
  } else {
    what = line_at(warning + 9);
    if (const auto f = s.find("#0 ", warning); f != std::string::npos) frame = line_at(f);
  }
  const std::size_t more = [&] {
    std::size_t k = 0;
    for (auto at = s.find("WARNING: ThreadSanitizer: "); at != std::string::npos; at = s.find("WARNING: ThreadSanitizer: ", at + 1)) ++k;
    return k - 1;
  }();
  return what + (frame.empty() ? "" : " (first frame: " + frame + ")") +
         (more ? " and " + std::to_string(more) + " more report" + (more > 1 ? "s" : "") : "");
}

std::string WorkerProcess::log_tail() const {
  const off_t size = log_written();
  if (size == 0) return "";
  const off_t want = std::min<off_t>(size, 4096);
  std::string s(static_cast<std::size_t>(want), '\0');
  const ssize_t n = ::pread(log_fd_, s.data(), s.size(), size - want);
  s.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  // The last few lines, on one line each separated by " | ".
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) lines.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  std::string out;
  for (std::size_t i = lines.size() > 5 ? lines.size() - 5 : 0; i < lines.size(); ++i)
    out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

std::optional<std::string> WorkerProcess::reap_detail() {
  std::string how = "the worker ended";
  // A worker that closed its result pipe (fd 3) may live on: it gets 2 s to exit, then it is
  // killed; a signal for the supervisor ends the wait at once. How it ended is read without
  // reaping it: stop() kills its group (what it forked) while its pid still names that group.
  siginfo_t si{};
  if (!wait_exit(milliseconds(2000))) {
    if (why_ == Why::signal) {
      stop(true);
      return std::nullopt;
    }
    how = "closed its result pipe (fd " + std::to_string(kResultFd) + ") and did not exit within 2 s (killed)";
  } else if (::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid_) {
    if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) {
      const int sig = si.si_status;
      const char* abbrev = sigabbrev_np(sig);
      how = std::string("killed by SIG") + (abbrev ? abbrev : std::to_string(sig).c_str()) + " (" + strsignal(sig) + ")";
    } else if (si.si_code == CLD_EXITED) {
      how = "exited with status " + std::to_string(si.si_status);
    }
  }
  const std::string tail = log_tail();
  stop(true);
  return how + (tail.empty() ? "" : "; its last output: " + tail);
}

void WorkerProcess::check_version(const json& m) {
  if (m.is_object() && m.contains("v") && m["v"] != kProtocolVersion) {
    stop(true);
    throw ProtocolMismatch("worker " + exe_ + " speaks worker protocol v" + m["v"].dump() +
                           ", this lfbench (the supervisor) speaks v" + std::to_string(kProtocolVersion) +
                           ": refusing (run workers of the same lfbench build)");
  }
}

json WorkerProcess::hello() {
  if (pid_ <= 0) start();
  why_ = Why::none;
  // A worker says hello once its threads exist: well within the setup bound.
  Watchdog wd(pid_, std::chrono::seconds(30));
  while (const auto got = next_line(wd)) {
    const json m = json::parse(*got, nullptr, false);
    check_version(m);
    if (!m.is_object() || !m.contains("hello")) continue;  // a line the build printed first
    const json& h = m["hello"];
    // What the supervisor reads of it, checked: a hello of another shape is no lfbench worker's.
    const auto is = [&h](const char* k, bool (json::*type)() const noexcept) { return !h.contains(k) || (h[k].*type)(); };
    if (h.is_object() && is("version", &json::is_string) && is("catalog", &json::is_object) &&
        is("pid", &json::is_number_integer) && is("threads", &json::is_number_integer) && is("cpus", &json::is_array))
      return h;
    stop(true);
    throw std::runtime_error(exe_ + " is not an lfbench worker: its hello is " + got->substr(0, 200));
  }
  if (why_ == Why::signal) {
    stop(true);
    throw Interrupted(caught_);
  }
  std::optional<std::string> detail = why_ == Why::timeout ? "said nothing within 30 s" : reap_detail();
  if (!detail) throw Interrupted(caught_);
  stop(true);
  throw std::runtime_error(exe_ + " is not an lfbench worker: " + *detail);
}

Outcome WorkerProcess::run(const WindowRequest& r) {
  Outcome o;
  if (pid_ <= 0) start();
  json params = json::object();
  for (const auto& [k, v] : r.params) params[k] = v;
  ++seq_;
  json req = {{"v", kProtocolVersion},
                    {"window", {{"cell", r.cell}, {"seq", seq_}, {"scenario", r.scenario}, {"primitive", r.primitive}, {"params", params},
                                {"threads", r.threads}, {"duration_ns", r.duration.count()},
                                {"warmup_ns", r.warmup.count()}, {"latency", r.latency}, {"perturb", r.perturb}}}};
  if (!r.cpus.empty()) req["window"]["cpus"] = r.cpus;
  const std::string line = req.dump() + "\n";
  const auto sigpipe = ::signal(SIGPIPE, SIG_IGN);
  const bool sent = ::write(to_worker_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::signal(SIGPIPE, sigpipe);
  const auto window_bound = kWindowSlack + 3 * (r.duration + r.warmup);
  Watchdog wd(pid_, kSetupBound);
  nanoseconds bound = kSetupBound;
  const char* doing = "the cell's state was not built";
  why_ = sent ? Why::none : Why::eof;
  bool ready = false;
  const auto crashed = [&](std::string detail) {
    o.kind = Outcome::crashed;
    o.detail = std::move(detail);
    stop(true);
    return o;
  };
  // Each phase gets its own bound, counted from its start (supervisor.hpp, Watchdog).
  const auto begin = [&](nanoseconds b, const char* what) {
    bound = b;
    doing = what;
    wd.restart(b);
  };
  while (why_ == Why::none) {
    const auto got = next_line(wd);
    if (!got) break;
    check_version(json::parse(*got, nullptr, false));
    Answer a = read_answer(*got, r, seq_, ready);
    switch (a.kind) {
      case Answer::bad:
        return crashed(std::move(a.problem));
      case Answer::ready:
        ready = true;
        begin(window_bound, "no result after the window's start");
        break;
      case Answer::began:
        if (a.phase == Phase::window) begin(window_bound, "the window's threads did not stop");
        else if (a.phase == Phase::prefill) begin(kSetupBound, "the cell's state was not reset for a window (prefill)");
        else begin(kSetupBound, "the window's oracle (verify) did not finish");
        break;
      case Answer::result:
        o.result = std::move(a.window);
        if (std::string race = new_tsan_report(); !race.empty() && o.result.verdict.ok)
          o.result.verdict = {false, std::move(race)};
        return o;
      case Answer::other:
        break;
    }
  }
  if (why_ == Why::signal) {
    o.kind = Outcome::interrupted;
    o.signal = caught_;
    stop(true);
    return o;
  }
  if (why_ == Why::timeout) {
    const double secs = std::chrono::duration<double>(bound).count();
    o = crashed(std::string(doing) + " within " + std::to_string(static_cast<int>(secs + 0.5)) + " s of the worker's own time (killed)");
    o.kind = Outcome::hung;
    return o;
  }
  std::optional<std::string> detail = reap_detail();
  if (!detail) {
    o.kind = Outcome::interrupted;
    o.signal = caught_;
    return o;
  }
  o.kind = Outcome::crashed;
  o.detail = *detail;
  return o;
}

}  // namespace lfbench
