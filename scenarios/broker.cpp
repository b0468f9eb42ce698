// Scenario `broker`: its registration (the cell is in broker.hpp). Its primitives are offered
// to it by register_primitive_template<T>() (lfbench.hpp), built-in and a user's alike.
#include "broker.hpp"

namespace lfbench::scenario::broker {
namespace {

const Registration registration{Scenario{
    .id = std::string(id),
    .summary = "case 002's broker: producers publish into queues, consumers receive by push (drain thread, round "
               "robin), pull, or per-consumer cursors, with a prefetch limit",
    .params = {ParamSpec{.name = "delivery",
                         .help = "push: a drain thread per queue deals messages round-robin to consumers' prefetch "
                                 "buffers; pull: consumers pop the queue; cursor: consumers read their own positions of "
                                 "a sequenced ring (primitive cursor_ring)",
                         .default_sweep = {"push", "pull", "cursor"},
                         .min = 0,
                         .max = 0,
                         .choices = {"push", "pull", "cursor"},
                         .unit = ""},
               ParamSpec{.name = "split",
                         .help = "producers:consumers among the threads that are not drain threads: 1:1, 1:N, N:1, N:N",
                         .default_sweep = {"N:N"},
                         .min = 0,
                         .max = 0,
                         .choices = {"1:1", "1:N", "N:1", "N:N"},
                         .unit = ""},
               ParamSpec{.name = "queues",
                         .help = "broker queues (producer p publishes to queue p mod queues, consumer c subscribes to "
                                 "queue c mod queues; push: one drain thread each)",
                         .default_sweep = {"1"},
                         .min = 1,
                         .max = 64,
                         .choices = {},
                         .unit = "queues"},
               ParamSpec{.name = "prefetch",
                         .help = "most messages a consumer holds unprocessed (its buffer in push; its batch in pull and "
                                 "cursor)",
                         .default_sweep = {"100"},
                         .min = 1,
                         .max = 65536,
                         .choices = {},
                         .unit = "messages"},
               ParamSpec{.name = "capacity",
                         .help = "capacity of each queue (unbounded queues: the producers' flow-control window)",
                         .default_sweep = {"4096"},
                         .min = 1,
                         .max = 1 << 24,
                         .choices = {},
                         .unit = "messages"},
               ParamSpec{.name = "payload_bytes",
                         .help = "message payload, written by the producer and checksummed by the consumer",
                         .default_sweep = {"1024"},
                         .min = 8,
                         .max = msg::kMaxPayloadBytes,
                         .choices = {},
                         .unit = "bytes"}},
    .op_kinds = {"delivered"},
    // cursor_ring is the scenario's own (cursor delivery); the queues are offered by
    // register_primitive_template (lfbench.hpp).
    .primitives = {broker_entry<CursorRing<Message<msg::kSmall>>, CursorRing<Message<msg::kMedium>>,
                                CursorRing<Message<msg::kLarge>>>()},
    .batch = 64,
    .baselines = {"mutex_deque"},
    .measures = {{"m:delivered_msgs_per_sec", "delivered msgs/s"},
                 {"m:consumer_fairness", "consumer fairness (Jain)"},
                 {"lat:delivered:p99", "delivery latency p99 (ns)"},
                 // every measuring thread's allocations over the messages delivered (alloc_count.hpp)
                 {"m:allocs_per_op", "allocations per message"}},
    .roles = true,  // producers and consumers: only consumers count operations
    .verify_params = {{"capacity", {"8"}}, {"prefetch", {"4"}}, {"payload_bytes", {"64"}}},
}};

}  // namespace
}  // namespace lfbench::scenario::broker
