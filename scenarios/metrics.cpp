// Scenario `metrics`: its registration (the cell is in metrics.hpp). Its primitives are offered
// to it by register_primitive_template<T>() (lfbench.hpp), built-in and a user's alike.
#include "metrics.hpp"

namespace lfbench::scenario::metrics {
namespace {

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "threads record values into one shared recorder (count, sum, min/max, histogram); one reader snapshots it",
    .params = {ParamSpec{.name = "what",
                         .help = "fields kept: counter (count and sum), stats (and min/max), histogram (and log buckets)",
                         .default_sweep = {"stats"},
                         .min = 0,
                         .max = 0,
                         .choices = {"counter", "stats", "histogram"},
                         .unit = ""},
               ParamSpec{.name = "distribution",
                         .help = "values recorded: constant (1024), uniform (0 to 4096 in quarters), latency (long tail)",
                         .default_sweep = {"latency"},
                         .min = 0,
                         .max = 0,
                         .choices = {"constant", "uniform", "latency"},
                         .unit = ""},
               ParamSpec{.name = "snapshot_per_sec",
                         .help = "0: no reader; else the highest-tid thread only takes snapshots, paced at this rate "
                                 "(with one thread, that thread takes them between its records)",
                         .default_sweep = {"0", "1000"},
                         .min = 0,
                         .max = 10'000'000,
                         .choices = {},
                         .unit = "snapshots/s"}},
    .op_kinds = {"record", "snapshot"},
    .primitives = {},  // all offered by register_primitive (lfbench.hpp)
    .baselines = {"mutex_recorder"},
    .measures = {{"m:records_per_sec", "records/s"},
                 {"m:snapshot_p50_ns", "snapshot cost p50 (ns)"},
                 {"m:snapshot_p99_ns", "snapshot cost p99 (ns)"},
                 {"m:recorder_bytes", "recorder size (bytes)"}},
    .verify_params = {{"what", {"counter", "stats", "histogram"}}, {"snapshot_per_sec", {"1000"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::metrics
