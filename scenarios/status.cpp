// Scenario `status`: its registration (the cell is in status.hpp). Its primitives are offered
// to it by register_primitive<P>() (register.hpp), built-in and a user's alike.
#include "status.hpp"

#include "../primitives/std_mutex.hpp"

namespace lfbench::scenario::status {
namespace {

static_assert(prim::Snapshot<Locked<prim::StdMutex>>);

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "a status word with a state machine, read often and changed rarely: locked, atomic store, CAS",
    .params = {ParamSpec{.name = "read_pct",
                         .help = "share of a writer thread's operations that read the status",
                         .default_sweep = {"99"},
                         .min = 0,
                         .max = 100,
                         .choices = {},
                         .unit = "%"},
               ParamSpec{.name = "writers",
                         .help = "threads (lowest ids) that may change the status; the others only read it",
                         .default_sweep = {"1"},
                         .min = 1,
                         .max = 1024,
                         .choices = {},
                         .unit = "threads"}},
    .op_kinds = {"get", "transition"},
    // The scenario's own ways of keeping the word; the locks are offered by register_primitive.
    .primitives = {entry<prim::AtomicStore, StatusCell<prim::AtomicStore>>(),
                   entry<prim::AtomicCas, StatusCell<prim::AtomicCas>>()},
    .baselines = {"std_mutex", "std_shared_mutex"},
    .measures = {{"op:get", "gets/s"},
                 {"op:transition", "transitions/s"}},
    .verify_params = {{"read_pct", {"50"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::status
