// Scenario `empty`: the harness with an operation that does nothing. Its ns/op is the
// harness's own cost per operation (batching, the stop-flag check, counting) — the figure to
// subtract mentally from any other scenario's ns/op.
#include "harness/scenario.hpp"

namespace lfbench {
namespace {

// A stand-in "primitive" so the empty scenario fits the registry like any other.
struct Nothing {
  static constexpr std::string_view name = "nothing";
  static constexpr prim::Traits traits{.progress = prim::Progress::wait_free};
};

class EmptyCell final : public Cell {
 public:
  explicit EmptyCell(const CellSpec&) {}
  // The empty asm keeps the compiler from collapsing the loop into one addition.
  void run(Worker& w) override {
    w.loop([] { asm volatile("" ::: "memory"); });
  }
  Verdict verify() override { return {true, "nothing to verify"}; }
};

const Registration registration{Scenario{
    .id = "empty",
    .summary = "harness overhead: an operation that does nothing",
    .params = {},
    .op_kinds = {},
    .primitives = {entry<Nothing, EmptyCell>()},
}};

}  // namespace
}  // namespace lfbench
