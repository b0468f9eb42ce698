// Scenario `map`: its registration (the cell is in map.hpp). Its primitives are offered
// to it by register_primitive<P>() (lfbench.hpp), built-in and a user's alike.
#include "map.hpp"

namespace lfbench::scenario::map {
namespace {

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "a 64-bit key -> id map: read_pct lookups, the rest get_or_add (hit_pct on existing keys)",
    .params = {ParamSpec{.name = "read_pct",
                         .help = "share of operations that look a key up (the rest get_or_add)",
                         .default_sweep = {"50"},
                         .min = 0,
                         .max = 100,
                         .choices = {},
                         .unit = "%"},
               ParamSpec{.name = "hit_pct",
                         .help = "share of operations aimed at keys prefilled before the window",
                         .default_sweep = {"50"},
                         .min = 0,
                         .max = 100,
                         .choices = {},
                         .unit = "%"},
               ParamSpec{.name = "keys",
                         .help = "prefilled keys; as many more start absent",
                         .default_sweep = {"65536"},
                         .min = 1,
                         .max = 1 << 20,
                         .choices = {},
                         .unit = "keys"},
               ParamSpec{.name = "skew",
                         .help = "key popularity within each half: uniform, or Zipf with theta 0.99",
                         .default_sweep = {"uniform"},
                         .min = 0,
                         .max = 0,
                         .choices = {"uniform", "zipf"},
                         .unit = ""},
               ParamSpec{.name = "shards",
                         .help = "shards of the sharded maps",
                         .default_sweep = {"1", "4", "16", "64", "256"},
                         .min = 1,
                         .max = 4096,
                         .choices = {},
                         .unit = "shards"}},
    .op_kinds = {"find", "get_or_add"},
    .primitives = {},  // all offered by register_primitive (lfbench.hpp)
    .baselines = {"mutex_map", "shared_mutex_map"},
    .measures = {{"op:find", "finds/s"},
                 {"op:get_or_add", "get_or_add/s"}},
    .verify_params = {{"keys", {"16"}}, {"hit_pct", {"50"}}, {"shards", {"4"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::map
