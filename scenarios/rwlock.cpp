// Scenario `rwlock`: its registration (the cell is in rwlock.hpp). Its primitives are offered
// to it by register_primitive<P>() (lfbench.hpp), built-in and a user's alike.
#include "rwlock.hpp"

namespace lfbench::scenario::rwlock {
namespace {

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "a record read and written under a reader-writer lock: read_pct reads, critical and parallel work",
    .params = {ParamSpec{.name = "read_pct",
                         .help = "share of operations that read the record (the rest write it)",
                         .default_sweep = {"0", "50", "90", "99", "100"},
                         .min = 0,
                         .max = 100,
                         .choices = {},
                         .unit = "%"},
               ParamSpec{.name = "critical_ns",
                         .help = "calibrated arithmetic on the record inside the lock, per operation",
                         .default_sweep = {"0", "100"},
                         .min = 0,
                         .max = 1'000'000,
                         .choices = {},
                         .unit = "ns"},
               ParamSpec{.name = "parallel_ns",
                         .help = "calibrated arithmetic outside the lock, per operation",
                         .default_sweep = {"0"},
                         .min = 0,
                         .max = 1'000'000,
                         .choices = {},
                         .unit = "ns"}},
    .op_kinds = {"read", "write"},
    .primitives = {},  // all offered by register_primitive (lfbench.hpp)
    .baselines = {"std_mutex", "std_shared_mutex"},
    .measures = {{"op:read", "reads/s"},
                 {"op:write", "writes/s"}},
    .verify_params = {{"read_pct", {"50"}}, {"critical_ns", {"100"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::rwlock
