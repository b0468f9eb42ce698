// Scenario `queue`: its registration (the cell is in queue.hpp). Its primitives are offered
// to it by register_primitive_template<T>() (lfbench.hpp), built-in and a user's alike.
#include "queue.hpp"

namespace lfbench::scenario::queue {
namespace {

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "producers push messages into one shared queue, consumers pop them: throughput per split, or ping-pong round trips",
    .params = {ParamSpec{.name = "split",
                         .help = "producers:consumers among the threads: 1:1 (threads=2), 1:N (one producer), N:1 (one "
                                 "consumer), N:N (half each); one thread alone pushes and pops",
                         .default_sweep = {"N:N"},
                         .min = 0,
                         .max = 0,
                         .choices = {"1:1", "1:N", "N:1", "N:N"},
                         .unit = ""},
               ParamSpec{.name = "capacity",
                         .help = "queue capacity (bounded queues round it up as they need; for unbounded ones, the "
                                 "producers' flow-control window)",
                         .default_sweep = {"1024"},
                         .min = 1,
                         .max = 1 << 24,
                         .choices = {},
                         .unit = "messages"},
               ParamSpec{.name = "batch",
                         .help = "messages pushed / popped per call (the queue's bulk form where it has one; ping-pong: 1)",
                         .default_sweep = {"1"},
                         .min = 1,
                         .max = 256,
                         .choices = {},
                         .unit = "messages"},
               ParamSpec{.name = "payload_bytes",
                         .help = "payload written by the producer and checksummed by the consumer (copied in a message of "
                                 "32, 256 or 1024 payload bytes, the smallest that holds it)",
                         .default_sweep = {"64"},
                         .min = 8,
                         .max = msg::kMaxPayloadBytes,
                         .choices = {},
                         .unit = "bytes"},
               ParamSpec{.name = "mode",
                         .help = "throughput: producers and consumers run flat out; pingpong: pairs bounce one message "
                                 "over two queues (round-trip latency)",
                         .default_sweep = {"throughput"},
                         .min = 0,
                         .max = 0,
                         .choices = {"throughput", "pingpong"},
                         .unit = ""}},
    .op_kinds = {"delivered"},
    .primitives = {},  // all offered by register_primitive (lfbench.hpp)
    .batch = 64,
    .baselines = {"mutex_deque"},
    .measures = {{"m:delivered_msgs_per_sec", "delivered msgs/s"},
                 {"m:ns_per_msg", "ns per message"},
                 {"m:receiver_fairness", "receiver fairness (Jain)"},
                 {"lat:delivered:p50", "delivery latency p50 (ns)"},
                 {"lat:delivered:p99", "delivery latency p99 (ns)"},
                 {"m:allocs_per_op", "allocations per message"}},
    .roles = true,  // producers and consumers: only consumers count operations
    .verify_params = {{"capacity", {"4"}}, {"payload_bytes", {"64"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::queue
