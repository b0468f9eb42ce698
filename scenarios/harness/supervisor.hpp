// The supervisor's side of a worker process (protocol.hpp): start it, ask it for a window,
// and turn whatever happens into an outcome — a window, or the cell `hung` (the watchdog ran
// out: the worker is killed), or `crashed` (it died by a signal or exited: its signal's name
// and its last log lines are kept), or `interrupted` (a signal came for the supervisor: the
// worker is killed at once, whatever it was doing). A ThreadSanitizer report in the worker's
// log fails the verification of the window it came in.
//
// Watchdog: a worker has kSetupBound to build a cell's state and say "ready", kSetupBound for
// each phase that resets the cell's state or checks its oracle (a map's prefill and verify grow
// with its keys), and kWindowSlack + 3 x (warm-up + window) for each phase that runs the threads
// (a window's threads stop within a batch of operations after the stop flag, so only a
// primitive that does not return exceeds that). A worker of an older build names no phases:
// after its "ready", the window's bound covers the rest. The bounds count the worker's own
// time (Watchdog in supervisor.cpp): wall time less
// the longest any of its threads waited for a CPU, nothing while it is stopped (SIGSTOP) or
// the supervisor is, so a loaded machine or a stopped run never makes a healthy cell hung.
//
// Every wait on a worker has a bound and answers signals; a worker runs in its own process
// group, killed as a whole (what it forked goes with it). Every answer is checked against the
// request it answers (cell, sequence number, figures in range, the window's length): a bad
// one makes the cell `crashed` with the reason.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "pool.hpp"
#include "protocol.hpp"

namespace lfbench {

inline constexpr auto kSetupBound = std::chrono::seconds(120);
inline constexpr auto kWindowSlack = std::chrono::seconds(5);

// A signal came for the supervisor while it waited for a worker's hello.
struct Interrupted : std::runtime_error {
  int signal;
  explicit Interrupted(int sig) : std::runtime_error("interrupted"), signal(sig) {}
};

struct Outcome {
  enum Kind { window, hung, crashed, interrupted } kind = window;
  WindowResult result;  // kind == window
  std::string detail;   // hung / crashed: what happened, for the results and the terminal
  int signal = 0;       // interrupted: which signal
};

class WorkerProcess {
 public:
  // exe: the lfbench binary to run as `exe __worker --threads N --pin P` (P: a placement name
  // every lfbench build knows, legacy_pin_name()). signal_fd: a signalfd the supervisor watches
  // while it waits (-1: none).
  WorkerProcess(std::string exe, unsigned threads, std::string pin, int signal_fd);
  ~WorkerProcess();  // closes its stdin (the worker exits), then kills it if it lingers
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Starts the worker (if not running) and returns its hello (protocol.hpp). Throws
  // ProtocolMismatch if it speaks another version, Interrupted if a signal comes first,
  // std::runtime_error if it says nothing or not a hello.
  nlohmann::json hello();
  // Starts the worker (if not running) and runs one window.
  Outcome run(const WindowRequest& r);
  bool alive() const { return pid_ > 0; }
  // Ends the worker the way its destructor does (it exits at end of input); the next window
  // starts a new one.
  void retire() { stop(false); }

 private:
  void start();
  void stop(bool kill_now);
  // Reads until a line is complete, the watchdog's bound is used up, the worker's output ends
  // or a signal arrives. Returns the line, or nullopt with why_ set.
  std::optional<std::string> next_line(class Watchdog& wd);
  bool take_signal();  // a signal from signal_fd_ (caught_, why_ set), if one is there
  // Waits up to `bound` for the worker to exit, answering signals: true if it exited.
  bool wait_exit(std::chrono::milliseconds bound);
  void check_version(const nlohmann::json& m);  // throws ProtocolMismatch
  // After the worker's output ended: how it ended and its last log lines; nullopt if a signal
  // came for the supervisor while it waited (why_ == signal).
  std::optional<std::string> reap_detail();
  std::string log_tail() const;
  // A worker's stdout and stderr are kept up to this much (its later writes fail).
  static constexpr off_t kLogCap = 8 << 20;
  // A ThreadSanitizer report the worker printed since the last call ("" if none): its SUMMARY
  // line and first frame, on one line. A worker built with -fsanitize=thread (and TSan's
  // halt_on_error=0, its default) goes on after a report, which would otherwise sit unread in
  // its log: it becomes the failed verification of the window that caused it.
  std::string new_tsan_report();

  std::string exe_;
  unsigned threads_;
  std::string pin_;
  int signal_fd_;
  pid_t pid_ = -1;
  int to_worker_ = -1, from_worker_ = -1, log_fd_ = -1;
  off_t log_read_ = 0;  // how much of the log new_tsan_report() has read
  off_t log_written() const;
  std::string buffer_;
  enum class Why { none, timeout, eof, signal } why_ = Why::none;
  int caught_ = 0;
  std::uint64_t seq_ = 0;  // the last request's sequence number (echoed by the worker)
};

}  // namespace lfbench
