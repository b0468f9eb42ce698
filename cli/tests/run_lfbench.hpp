// Runs the real lfbench binary (path in $LFBENCH_BIN, set by meson) in a scratch directory and
// captures its exit code, stdout and stderr.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../../primitives/lib/sanitizers.hpp"

namespace lfbench::test {

// A sanitizer tree: its runs are slower, so some tests take fewer of them.
#if defined(LFBENCH_TSAN) || defined(LFBENCH_ASAN)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

struct Outcome {
  int code = -1;
  std::string out, err;
  double seconds_after_signal = 0;  // from the signal to the exit
  int err_lines() const {
    int n = 0;
    for (char c : err) n += c == '\n';
    return n;
  }
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A journal line as lfbench writes it (cli/journal.hpp): the object's bytes with their FNV-1a 64
// checksum as the last member, so a test can edit a record and still have it read.
inline std::string fnv_hex(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}
inline std::string journal_line(std::string body_without_sum) {
  const std::string sum = fnv_hex(body_without_sum);
  body_without_sum.pop_back();
  return body_without_sum + ",\"sum\":\"" + sum + "\"}";
}

// Two busy loops beside the test while it lives (sh -c 'while :; do :; done'): a loaded machine.
class BusyLoops {
 public:
  BusyLoops() {
    for (auto& p : pids_)
      if ((p = fork()) == 0) {
        execl("/bin/sh", "sh", "-c", "while :; do :; done", static_cast<char*>(nullptr));
        _exit(127);
      }
  }
  ~BusyLoops() {
    for (const pid_t p : pids_)
      if (p > 0) {
        kill(p, SIGKILL);
        waitpid(p, nullptr, 0);
      }
  }
  BusyLoops(const BusyLoops&) = delete;
  BusyLoops& operator=(const BusyLoops&) = delete;

 private:
  pid_t pids_[2] = {-1, -1};
};

// Waits until the file has at least `lines` complete lines (a journal's windows), up to `limit`:
// interrupts come after what a test needs was measured, however slow the tree or the machine.
inline bool wait_for_lines(const std::filesystem::path& file, std::size_t lines,
                           std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const std::string text = slurp(file);
    if (static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The children of a process (from /proc/PID/task/PID/children).
inline std::vector<pid_t> children_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  for (pid_t c; in >> c;) out.push_back(c);
  return out;
}

class Sandbox {
 public:
  Sandbox() {
    char tmpl[] = "/tmp/lfbench-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~Sandbox() { std::filesystem::remove_all(dir_); }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path operator/(const std::string& f) const { return dir_ / f; }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) out.push_back(e.path().string());
    return out;
  }

  // Runs lfbench with args; if interrupt_after > 0, sends sig (SIGINT) after that long. A run
  // still going after `limit` (if set) is killed and reported as code -1. `meanwhile`, if given,
  // is called with the run's pid once it started (before any interrupt). `binary`: another
  // lfbench binary than $LFBENCH_BIN.
  Outcome run(const std::vector<std::string>& args, std::chrono::milliseconds interrupt_after = {},
              int sig = SIGINT, std::chrono::milliseconds limit = {},
              const std::function<void(pid_t)>& meanwhile = {}, const std::string& binary = {}) const {
    const char* bin = std::getenv("LFBENCH_BIN");
    const std::string exe = !binary.empty() ? binary : bin ? bin : "lfbench";
    const auto out_path = dir_ / ".stdout", err_path = dir_ / ".stderr";
    const pid_t pid = fork();
    if (pid == 0) {
      if (chdir(dir_.c_str()) != 0) _exit(127);
      (void)!freopen(out_path.c_str(), "w", stdout);
      (void)!freopen(err_path.c_str(), "w", stderr);
      std::vector<char*> argv{const_cast<char*>(exe.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    std::chrono::steady_clock::time_point signalled{};
    if (meanwhile) meanwhile(pid);
    if (interrupt_after.count() > 0) {
      std::this_thread::sleep_for(interrupt_after);
      signalled = std::chrono::steady_clock::now();
      kill(pid, sig);
    }
    int status = 0;
    bool timed_out = false;
    if (limit.count() > 0) {
      const auto deadline = std::chrono::steady_clock::now() + limit;
      while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          kill(pid, SIGKILL);
          waitpid(pid, &status, 0);
          timed_out = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    } else {
      waitpid(pid, &status, 0);
    }
    Outcome o;
    if (interrupt_after.count() > 0)
      o.seconds_after_signal = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
    o.code = timed_out ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    o.out = slurp(out_path);
    o.err = slurp(err_path);
    std::filesystem::remove(out_path);
    std::filesystem::remove(err_path);
    return o;
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace lfbench::test
