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

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "protocol.hpp"
#include "retry_eintr.hpp"

namespace lfbench {

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

WorkerProcess::WorkerProcess(std::string exe, unsigned threads, Pin pin, int signal_fd)
    : exe_(std::move(exe)), threads_(threads), pin_(pin), signal_fd_(signal_fd) {}

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
  const std::string threads = std::to_string(threads_), pin = to_string(pin_);
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
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char* argv[] = {exe_.c_str(), "__worker", "--threads", threads.c_str(), "--pin", pin.c_str(), nullptr};
    ::execve(exe_.c_str(), const_cast<char* const*>(argv), envp.data());
    ::dprintf(2, "cannot run %s: %s\n", exe_.c_str(), std::strerror(errno));
    ::_exit(127);
  }
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
  if (pid_ > 0 && !kill_now) {
    // A healthy worker exits at end of input within milliseconds (an A/B run retires one after
    // every window); give it a second, then make sure.
    for (int i = 0; i < 1000; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (from_worker_ >= 0) ::close(from_worker_);
  if (log_fd_ >= 0) ::close(log_fd_);
  from_worker_ = log_fd_ = -1;
}

std::optional<std::string> WorkerProcess::next_line(clock_type::time_point deadline) {
  const auto ms_left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  };
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (ms_left() <= 0) {
      why_ = Why::timeout;
      return std::nullopt;
    }
    pollfd fds[2] = {{from_worker_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
    // A second at most, and the deadline re-read on every try: an interrupted poll does not extend it.
    retry_eintr([&] {
      return ::poll(fds, signal_fd_ >= 0 ? 2 : 1, static_cast<int>(std::clamp<long long>(ms_left(), 0, 1000)));
    });
    if (signal_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      signalfd_siginfo si{};
      if (::read(signal_fd_, &si, sizeof si) == sizeof si) {
        caught_ = static_cast<int>(si.ssi_signo);
        why_ = Why::signal;
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

std::string WorkerProcess::reap_detail() {
  int status = 0;
  std::string how = "the worker ended";
  if (::waitpid(pid_, &status, 0) == pid_) {
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      const char* abbrev = sigabbrev_np(sig);
      how = std::string("killed by SIG") + (abbrev ? abbrev : std::to_string(sig).c_str()) + " (" + strsignal(sig) + ")";
    } else if (WIFEXITED(status)) {
      how = "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    pid_ = -1;
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
  const auto deadline = clock_type::now() + std::chrono::seconds(30);
  while (const auto got = next_line(deadline)) {
    const json m = json::parse(*got, nullptr, false);
    check_version(m);
    if (m.is_object() && m.contains("hello") && m["hello"].is_object()) return m["hello"];
  }
  const std::string detail = why_ == Why::timeout ? "said nothing within 30 s" : why_ == Why::signal ? "was interrupted" : reap_detail();
  stop(true);
  throw std::runtime_error(exe_ + " is not an lfbench worker: " + detail);
}

Outcome WorkerProcess::run(const WindowRequest& r) {
  Outcome o;
  if (pid_ <= 0) start();
  json params = json::object();
  for (const auto& [k, v] : r.params) params[k] = v;
  const json req = {{"v", kProtocolVersion},
                    {"window", {{"cell", r.cell}, {"scenario", r.scenario}, {"primitive", r.primitive}, {"params", params},
                                {"threads", r.threads}, {"duration_ns", r.duration.count()},
                                {"warmup_ns", r.warmup.count()}, {"latency", r.latency}, {"perturb", r.perturb}}}};
  const std::string line = req.dump() + "\n";
  const auto sigpipe = ::signal(SIGPIPE, SIG_IGN);
  const bool sent = ::write(to_worker_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::signal(SIGPIPE, sigpipe);
  auto deadline = clock_type::now() + kSetupBound;
  const auto window_bound = kWindowSlack + 3 * (r.duration + r.warmup);
  why_ = sent ? Why::none : Why::eof;
  bool ready = false;
  while (why_ == Why::none) {
    const auto got = next_line(deadline);
    if (!got) break;
    const json m = json::parse(*got, nullptr, false);
    check_version(m);
    if (m.is_discarded() || !m.is_object()) {
      o.kind = Outcome::crashed;
      o.detail = "the worker spoke another protocol: " + got->substr(0, 200);
      stop(true);
      return o;
    }
    if (m.contains("error")) {
      o.kind = Outcome::crashed;
      o.detail = "the worker refused the window: " + m["error"].get<std::string>();
      stop(true);
      return o;
    }
    if (m.contains("ready")) {
      ready = true;
      deadline = clock_type::now() + window_bound;
    }
    if (m.contains("result")) {
      try {
        o.result = window_from_json(m.at("window"));
        if (const auto problem = window_problem(o.result, r.threads); !problem.empty())
          throw json::other_error::create(501, problem, nullptr);
        if (std::string race = new_tsan_report(); !race.empty() && o.result.verdict.ok)
          o.result.verdict = {false, std::move(race)};
        return o;
      } catch (const json::exception& e) {
        o.kind = Outcome::crashed;
        o.detail = std::string("the worker sent a malformed window: ") + e.what();
        stop(true);
        return o;
      }
    }
  }
  if (why_ == Why::signal) {
    o.kind = Outcome::interrupted;
    o.signal = caught_;
    stop(true);
    return o;
  }
  if (why_ == Why::timeout) {
    o.kind = Outcome::hung;
    const double secs = std::chrono::duration<double>(ready ? window_bound : std::chrono::nanoseconds(kSetupBound)).count();
    o.detail = ready ? "no result within " + std::to_string(static_cast<int>(secs + 0.5)) + " s of the window's start (killed)"
                     : "the cell's state was not built within " + std::to_string(static_cast<int>(secs + 0.5)) + " s (killed)";
    stop(true);
    return o;
  }
  o.kind = Outcome::crashed;
  o.detail = reap_detail();
  return o;
}

}  // namespace lfbench
