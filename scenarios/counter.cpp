// Scenario `counter`: its registration (the cell is in counter.hpp). Its primitives are offered
// to it by register_primitive<P>() (lfbench.hpp), built-in and a user's alike.
#include "counter.hpp"

namespace lfbench::scenario::counter {
namespace {

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "one shared 64-bit counter: increments, and read_pct reads of the total",
    .params = {ParamSpec{.name = "read_pct",
                         .help = "share of operations that read the total instead of adding",
                         .default_sweep = {"0", "10"},
                         .min = 0,
                         .max = 100,
                         .choices = {},
                         .unit = "%"}},
    .op_kinds = {"add", "read"},
    .primitives = {},  // all offered by register_primitive (lfbench.hpp)
    .baselines = {"std_mutex"},
    .measures = {{"op:add", "increments/s"},
                 {"op:read", "reads/s"}},
    .verify_params = {{"read_pct", {"10"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::counter
