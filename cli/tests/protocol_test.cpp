// The worker protocol's version: a supervisor and a worker of different versions refuse each
// other with one line naming both versions (exit 2 for the lfbench process that refuses).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "scenarios/harness/protocol.hpp"
#include "scenarios/harness/supervisor.hpp"

namespace lfbench {
namespace {

namespace fs = std::filesystem;

// Appended, not "v" + to_string(): GCC 12 warns falsely (-Wrestrict) on that concatenation.
std::string ours() {
  std::string v = "v";
  v += std::to_string(kProtocolVersion);
  return v;
}

// The supervisor side: a "worker" that says hello in protocol v999.
TEST(Protocol, SupervisorRefusesAWorkerOfAnotherVersion) {
  const fs::path script = fs::temp_directory_path() / ("lfbench-v999-worker-" + std::to_string(::getpid()));
  {
    std::ofstream f(script);
    f << "#!/bin/sh\necho '{\"v\":999,\"hello\":{\"pid\":1}}' >&3\ncat >/dev/null\n";
  }
  fs::permissions(script, fs::perms::owner_all);
  WorkerProcess w(script.string(), 1, "none", -1);
  WindowRequest r;
  r.scenario = "counter";
  r.primitive = "std_mutex";
  r.duration = std::chrono::milliseconds(10);
  std::string what;
  try {
    w.run(r);
  } catch (const ProtocolMismatch& e) {
    what = e.what();
  }
  fs::remove(script);
  EXPECT_NE(what.find("v999"), std::string::npos) << what;
  EXPECT_NE(what.find(ours()), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
}

// The worker side: the real lfbench worker sent a request in protocol v999.
TEST(Protocol, WorkerRefusesASupervisorOfAnotherVersion) {
  const char* bin = std::getenv("LFBENCH_BIN");
  ASSERT_NE(bin, nullptr);
  int in[2], res[2], err[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(res), 0);
  ASSERT_EQ(::pipe(err), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(res[1], kResultFd);
    ::dup2(err[1], 2);
    ::execl(bin, bin, "__worker", "--threads", "1", "--pin", "none", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(res[1]);
  ::close(err[1]);
  const std::string req = "{\"v\":999,\"window\":{}}\n";
  ASSERT_EQ(::write(in[1], req.data(), req.size()), static_cast<ssize_t>(req.size()));
  ::close(in[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(err[0]);
  ::close(res[0]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << out;
  EXPECT_NE(out.find("v999"), std::string::npos) << out;
  EXPECT_NE(out.find(ours()), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line: " << out;
}


// Fake workers that speak the protocol badly (issue 29): each answer is the cell's failure,
// never the supervisor's hang, abort or a stored figure.
class BadWorker {
 public:
  explicit BadWorker(const std::string& body)
      : path_(fs::temp_directory_path() / ("lfbench-bad-worker-" + std::to_string(::getpid()) + "-" + std::to_string(n_++))) {
    std::ofstream(path_) << "#!/bin/sh\n" << body;
    fs::permissions(path_, fs::perms::owner_all);
  }
  ~BadWorker() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
  static inline int n_ = 0;
};

WindowRequest counter_request() {
  WindowRequest r;
  r.scenario = "counter";
  r.primitive = "std_mutex";
  r.params = {{"read_pct", "0"}};
  r.duration = std::chrono::milliseconds(10);
  return r;
}

TEST(Protocol, AWorkerThatClosesItsResultPipeAndLivesIsKilled) {
  BadWorker b("exec 3>&-\nsleep 60\n");
  WorkerProcess w(b.path(), 1, "none", -1);
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome o = w.run(counter_request());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(o.kind, Outcome::crashed);
  EXPECT_NE(o.detail.find("closed its result pipe"), std::string::npos) << o.detail;
  EXPECT_LT(s, 10.0) << "liveness: bounded, not for ever";
}

TEST(Protocol, BadAnswersMakeTheCellCrashedWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"read l; echo '{\"v\":1,\"error\":5}' >&3; cat >/dev/null\n", "refused the window: 5"},
      {"read l; echo '{\"v\":1,\"ready\":7}' >&3; cat >/dev/null\n", "for cell 7"},
      {"read l; echo '{\"v\":1,\"ready\":0,\"seq\":99}' >&3; cat >/dev/null\n", "stale or repeated"},
      {"read l; echo '{\"v\":1,\"result\":0,\"window\":{}}' >&3; cat >/dev/null\n", "before it said ready"},
      {"read l; echo '[1,2]' >&3; cat >/dev/null\n", "another protocol"},
  };
  for (const auto& [body, want] : cases) {
    BadWorker b(body);
    WorkerProcess w(b.path(), 1, "none", -1);
    const Outcome o = w.run(counter_request());
    EXPECT_EQ(o.kind, Outcome::crashed) << body;
    EXPECT_NE(o.detail.find(want), std::string::npos) << body << " -> " << o.detail;
  }
}

// A real worker's window with its time made tiny: out of range, not stored.
TEST(Protocol, ATinyWindowFromARealWorkerIsRefused) {
  const char* bin = std::getenv("LFBENCH_BIN");
  ASSERT_NE(bin, nullptr);
  BadWorker b(std::string("\"") + bin + "\" \"$@\" 3>&1 1>&2 | sed -u 's/\"seconds\":[0-9.e+-]*/\"seconds\":1e-9/' >&3\n");
  WorkerProcess w(b.path(), 1, "none", -1);
  const Outcome o = w.run(counter_request());
  EXPECT_EQ(o.kind, Outcome::crashed) << o.detail;
  EXPECT_NE(o.detail.find("out of range"), std::string::npos) << o.detail;
}

// A window the oracle failed in its warm-up comes back as long as the warm-up (shorter than the
// window asked): a failed verification with the oracle's reason, not a worker out of range
// (case 000's seed_ring was recorded "crashed" so). Made so by a real worker's answer rewritten.
TEST(Protocol, AWindowFailedInItsWarmUpIsAFailedVerificationNotACrash) {
  const char* bin = std::getenv("LFBENCH_BIN");
  ASSERT_NE(bin, nullptr);
  BadWorker b(std::string("\"") + bin + "\" \"$@\" 3>&1 1>&2 | sed -u -e 's/\"seconds\":[0-9.e+-]*/\"seconds\":0.002/' "
              "-e 's/\"ok\":true/\"ok\":false/' -e 's/\"detail\":\"[^\"]*\"/\"detail\":\"3 messages lost\"/' >&3\n");
  WorkerProcess w(b.path(), 1, "none", -1);
  const Outcome o = w.run(counter_request());
  ASSERT_EQ(o.kind, Outcome::window) << o.detail;
  EXPECT_FALSE(o.result.verdict.ok);
  EXPECT_EQ(o.result.verdict.detail, "3 messages lost");
}

TEST(Protocol, AHelloOfAnotherShapeIsRefusedInOneLine) {
  BadWorker b("echo '{\"v\":1,\"hello\":{\"version\":5}}' >&3\ncat >/dev/null\n");
  WorkerProcess w(b.path(), 1, "none", -1);
  std::string what;
  try {
    w.hello();
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  EXPECT_NE(what.find("its hello is"), std::string::npos) << what;
}

// What a worker forks goes with it: its process group is killed.
TEST(Protocol, WhatAWorkerForkedIsKilledWithIt) {
  const fs::path pidfile = fs::temp_directory_path() / ("lfbench-orphan-" + std::to_string(::getpid()));
  {
    BadWorker b("sleep 300 &\necho $! > '" + pidfile.string() + "'\nread l; exit 3\n");
    WorkerProcess w(b.path(), 1, "none", -1);
    EXPECT_EQ(w.run(counter_request()).kind, Outcome::crashed);
  }
  std::ifstream f(pidfile);
  pid_t orphan = 0;
  f >> orphan;
  fs::remove(pidfile);
  ASSERT_GT(orphan, 0);
  // Dead: gone, or a zombie (its parent, the worker, is gone, and what adopts it may not reap).
  const auto alive = [orphan] {
    std::ifstream stat("/proc/" + std::to_string(orphan) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z' && text[close + 2] != 'X';
  };
  for (int i = 0; i < 100 && alive(); ++i) ::usleep(10000);
  EXPECT_FALSE(alive()) << "the worker's child " << orphan << " outlived it";
}

}  // namespace
}  // namespace lfbench
