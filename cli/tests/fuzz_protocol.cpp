// libFuzzer entry point for the supervisor's reader of worker messages (read_answer,
// scenarios/harness/protocol.cpp; built and run by ci/fuzz-all, not by meson). A worker is
// untrusted code: any line, in any state of a request, must give an Answer — never a crash, an
// exception, a leak or undefined behaviour — and a window it accepts must be one every later
// step can use (figures in range, one per thread asked).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scenarios/harness/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the state: ready said or not, and the request's threads.
  const bool ready = data[0] & 1;
  lfbench::WindowRequest r;
  r.cell = 3;
  r.scenario = "counter";
  r.primitive = "std_mutex";
  r.threads = 1 + ((data[0] >> 1) & 3);
  r.duration = std::chrono::milliseconds(20);
  const std::string_view line(reinterpret_cast<const char*>(data + 1), size - 1);
  const lfbench::Answer a = lfbench::read_answer(line, r, 7, ready);
  if (a.kind == lfbench::Answer::result) {
    const auto& w = a.window;
    if (!ready || w.per_thread_ops.size() != r.threads || w.usage.size() != r.threads) std::abort();
    if (!std::isfinite(w.seconds) || w.seconds <= 0 || (w.verdict.ok && w.seconds < 0.01)) std::abort();  // a failed warm-up may be short
  }
  if (a.kind == lfbench::Answer::bad && a.problem.empty()) std::abort();
  return 0;
}
