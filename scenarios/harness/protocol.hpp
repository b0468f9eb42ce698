// The worker protocol: how `lfbench run` (the supervisor) and a worker process (the same
// binary's hidden `__worker` subcommand, or another lfbench build) talk. Everything about it is
// in this header.
//
// Transport: one JSON object per line (UTF-8, '\n'-terminated). Supervisor -> worker on the
// worker's stdin; worker -> supervisor on the worker's file descriptor 3. The worker's stdout
// and stderr are a log the supervisor keeps the tail of (primitives may print). A worker exits
// when its stdin reaches end of file.
//
// Messages (every one carries "v": kProtocolVersion). A peer that sees another version refuses
// the other with one line naming both versions, exit code 2: the worker on the first request,
// the supervisor on the worker's hello (it throws ProtocolMismatch; main prints it).
//   worker -> supervisor, once at start:
//     {"v":1, "hello": {"pid": N, "threads": N, "pin": "smt", "cpus": [..], "version": "...",
//                       "catalog": {"SCENARIO": {"primitives": [..], "params": [..]}, ...}}}
//     (catalog: what this build can measure; an A/B supervisor checks its cells against it)
//   supervisor -> worker, one per window:
//     {"v":1, "window": {"cell": I, "seq": N, "scenario": "...", "primitive": "...", "params": {"k": "v"},
//                        "threads": N, "duration_ns": N, "warmup_ns": N, "latency": bool,
//                        "perturb": bool (optional, lfbench verify),
//                        "cpus": [N, ...] (optional: thread i's CPU, -1 unpinned; a worker of an
//                                older build keeps the placement of its --pin)}}
//   worker -> supervisor, for that window:
//     {"v":1, "ready": I, "seq": N}           the cell's state is built
//     {"v":1, "phase": "prefill"|"window"|"verify", "cell": I, "seq": N}
//                                             what the worker does next (each window, the warm-up
//                                             too: its state reset, its run, its oracle); the
//                                             watchdog bounds each phase apart (supervisor.hpp).
//                                             Optional: a worker of an older build sends none.
//     {"v":1, "result": I, "seq": N, "window": {...}}   the window (to_json(WindowResult) below)
//     (seq: the request's, echoed; a worker of an older build omits it. The supervisor takes an
//     answer only for the cell and request it asked, ready first, figures in range.)
//     {"v":1, "error": "..."}                 the request was not understood (a bug: the
//                                             supervisor records the cell as crashed)
// A worker keeps the state of the last cell it ran and frees it before building another, so
// at most one cell's state is alive per worker.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pool.hpp"

namespace lfbench {

inline constexpr int kProtocolVersion = 1;
inline constexpr int kResultFd = 3;

// A supervisor and a worker of different protocol versions (two lfbench builds mixed up).
struct ProtocolMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An integer from outside input (a worker, a journal), strictly: a JSON integer in T's range.
// nlohmann's get<T>() converts a float such as 1e308 and a negative number to an unsigned type
// without a check (undefined behaviour, or a wrapped value).
template <std::integral T>
  requires(!std::same_as<T, bool>)
T integer_of(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if (std::in_range<T>(v)) return static_cast<T>(v);
  }
  throw nlohmann::json::type_error::create(302, "expected an integer of 0.." + std::to_string(std::numeric_limits<T>::max()) +
                                                    ", got " + j.dump().substr(0, 40), &j);
}

nlohmann::json to_json(const WindowResult& w);
WindowResult window_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
// What is wrong with a window that came from outside (a worker, a journal) for a cell of
// `threads` threads and windows of `asked`, or "" if nothing: everything after it indexes by
// thread and divides by time.
std::string window_problem(const WindowResult& w, unsigned threads, std::chrono::nanoseconds asked);

// A window request, as the supervisor sends it.
struct WindowRequest {
  std::size_t cell = 0;
  std::string scenario, primitive;
  std::vector<std::pair<std::string, std::string>> params;
  unsigned threads = 1;
  std::chrono::nanoseconds duration{}, warmup{};
  bool latency = false;
  bool perturb = false;
  std::vector<int> cpus;  // per thread: its CPU (-1: unpinned); empty: the worker's own placement
};

// One line a worker sent while it ran request r (sequence number seq; `ready`: it said ready
// already), checked against that request: the cell and sequence number it names, ready first,
// a window's figures in range and its length near the one asked. Never throws: anything else
// is `bad`, with the reason (the cell's failure). The supervisor's reader, and the protocol
// fuzzer's target (cli/tests/fuzz_protocol.cpp).
struct Answer {
  enum Kind { other, ready, began, result, bad } kind = other;
  Phase phase = Phase::prefill;  // kind == began: the phase the worker began
  WindowResult window;           // kind == result
  std::string problem;           // kind == bad
};
Answer read_answer(std::string_view line, const WindowRequest& r, std::uint64_t seq, bool ready);

// The worker's main loop (the hidden subcommand, worker_main.cpp). Returns the process exit code.
int worker_main(unsigned threads, const Placement& pin);

}  // namespace lfbench
