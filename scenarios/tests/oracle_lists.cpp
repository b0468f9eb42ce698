// test::listed(): the one oracle test file that includes kinds.hpp (oracle.hpp says why).
#include "primitives/kinds.hpp"
#include "scenarios/cow.hpp"
#include "scenarios/message.hpp"
#include "scenarios/tests/oracle.hpp"

namespace lfbench::test {
namespace {

// Reading a type's name and traits instantiates the primitive's class, not a cell.
template <class... Ps>
void add(std::vector<Listed>& out, prim::TypeList<Ps...>) {
  (out.push_back({Ps::name, prim::traits_of<Ps>()}), ...);
}

}  // namespace

std::vector<Listed> listed(std::initializer_list<List> lists) {
  std::vector<Listed> out;
  for (const List l : lists) {
    switch (l) {
      case List::locks: add(out, prim::Locks{}); break;
      case List::shared_locks: add(out, prim::SharedLocks{}); break;
      case List::optimistic_locks: add(out, prim::OptimisticLocks{}); break;
      case List::counters: add(out, prim::Counters{}); break;
      case List::maps: add(out, prim::Maps{}); break;
      case List::snapshots: add(out, prim::Snapshots<scenario::cow::Registry>{}); break;
      case List::queues: add(out, prim::Queues<msg::Message<msg::kSmall>>{}); break;
      case List::recorders: add(out, prim::Recorders<prim::Fields::stats>{}); break;
    }
  }
  return out;
}

}  // namespace lfbench::test
