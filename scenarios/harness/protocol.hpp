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
//     {"v":1, "hello": {"pid": N, "threads": N, "pin": "compact", "cpus": [..], "version": "...",
//                       "catalog": {"SCENARIO": {"primitives": [..], "params": [..]}, ...}}}
//     (catalog: what this build can measure; an A/B supervisor checks its cells against it)
//   supervisor -> worker, one per window:
//     {"v":1, "window": {"cell": I, "seq": N, "scenario": "...", "primitive": "...", "params": {"k": "v"},
//                        "threads": N, "duration_ns": N, "warmup_ns": N, "latency": bool,
//                        "perturb": bool (optional, lfbench verify)}}
//   worker -> supervisor, for that window:
//     {"v":1, "ready": I, "seq": N}           the cell's state is built (the watchdog's setup
//                                             bound ends, its window bound starts)
//     {"v":1, "result": I, "seq": N, "window": {...}}   the window (to_json(WindowResult) below)
//     (seq: the request's, echoed; a worker of an older build omits it. The supervisor takes an
//     answer only for the cell and request it asked, ready first, figures in range.)
//     {"v":1, "error": "..."}                 the request was not understood (a bug: the
//                                             supervisor records the cell as crashed)
// A worker keeps the state of the last cell it ran and frees it before building another, so
// at most one cell's state is alive per worker.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "pool.hpp"

namespace lfbench {

inline constexpr int kProtocolVersion = 1;
inline constexpr int kResultFd = 3;

// A supervisor and a worker of different protocol versions (two lfbench builds mixed up).
struct ProtocolMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

nlohmann::json to_json(const WindowResult& w);
WindowResult window_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception
// What is wrong with a window that came from outside (a worker, a journal) for a cell of
// `threads` threads, or "" if nothing: everything after it indexes by thread and divides by time.
std::string window_problem(const WindowResult& w, unsigned threads);

// The worker's main loop (the hidden subcommand). Returns the process exit code.
int worker_main(unsigned threads, Pin pin);

}  // namespace lfbench
