// Scenario `cow`: its registration (the cell is in cow.hpp). Its primitives are offered
// to it by register_primitive_template<T>() (lfbench.hpp), built-in and a user's alike.
#include "cow.hpp"

namespace lfbench::scenario::cow {
namespace {

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "a shared registry read (lookup or iterate) and updated one entry at a time: locks vs copy-on-write",
    .params = {ParamSpec{.name = "entries",
                         .help = "entries in the registry (each update of a copy-on-write snapshot copies all of them)",
                         .default_sweep = {"16", "256", "4096", "65536"},
                         .min = 1,
                         .max = 1 << 22,
                         .choices = {},
                         .unit = "entries"},
               ParamSpec{.name = "write_pct",
                         .help = "share of each thread's operations that update one entry (the dedicated writer, if any, only writes)",
                         .default_sweep = {"5"},
                         .min = 0,
                         .max = 100,
                         .choices = {},
                         .unit = "%"},
               ParamSpec{.name = "updates_per_sec",
                         .help = "0: no dedicated writer; else the highest-tid thread only updates, paced at this rate "
                                 "(set write_pct=0 for case 000's framing: readers plus one writer)",
                         .default_sweep = {"0"},
                         .min = 0,
                         .max = 100'000'000,
                         .choices = {},
                         .unit = "updates/s"},
               ParamSpec{.name = "read_op",
                         .help = "what a read does: look up one entry, or iterate over all of them",
                         .default_sweep = {"lookup"},
                         .min = 0,
                         .max = 0,
                         .choices = {"lookup", "iterate"},
                         .unit = ""}},
    .op_kinds = {"read", "write"},
    .primitives = {},  // all offered by register_primitive (lfbench.hpp)
    // An iteration of a large registry takes tens of microseconds: check the stop flag often.
    .batch = 4,
    .baselines = {"mutex_snapshot", "shared_mutex_snapshot"},
    .measures = {{"op:read", "reads/s"},
                 {"m:updates_per_sec", "writer: updates/s achieved"},
                 {"m:bytes_copied_per_sec", "writer: bytes copied/s"},
                 {"lat:write:p50", "writer: update latency p50 (ns)"},
                 {"lat:write:p99", "writer: update latency p99 (ns)"},
                 {"lat:read:p99", "reader latency p99 (ns)"}},
    // The paced writer too (updates_per_sec): its path raced with readers unseen while verify
    // never ran it.
    .verify_params = {{"entries", {"16"}}, {"write_pct", {"20"}}, {"read_op", {"lookup", "iterate"}},
                      {"updates_per_sec", {"0", "1000"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::cow
