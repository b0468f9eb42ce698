// The worker protocol's version: a supervisor and a worker of different versions refuse each
// other with one line naming both versions (exit 2 for the lfbench process that refuses).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

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
  WorkerProcess w(script.string(), 1, Pin::none, -1);
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

}  // namespace
}  // namespace lfbench
