// The built-in primitives reach the scenarios the way a user's do: register_primitive<P>()
// and register_primitive_template<T>() (scenarios/register.hpp) over kinds.hpp's lists, so adding a
// primitive stays its header plus one list line.
//
// Instantiating every primitive in every scenario's cell is most of the build's time and
// memory, so meson compiles this file LFBENCH_BUILTIN_PARTS times (scenarios/meson.build), part
// k taking every PARTS-th entry of each list from the k-th: the parts build side by side on
// every core, and none holds all of one kind.
#include <cstddef>
#include <cstdint>
#include <utility>

#include "../../primitives/kinds.hpp"
#include "../register.hpp"

#ifndef LFBENCH_BUILTIN_PART
#define LFBENCH_BUILTIN_PART 0
#define LFBENCH_BUILTIN_PARTS 1
#endif

namespace lfbench {
namespace {

constexpr std::size_t kPart = LFBENCH_BUILTIN_PART, kParts = LFBENCH_BUILTIN_PARTS;
static_assert(kPart < kParts);

// Every kinds.hpp entry as a type with offer(): a primitive, or a template over the value it holds
// or over the fields it keeps. Naming One<P> instantiates nothing; only this part's offer()s are.
template <class P>
struct One {
  static void offer() { register_primitive<P>(); }
};
template <template <class> class T>
struct OneOverValues {
  static void offer() { register_primitive_template<T>(); }
};
template <template <prim::Fields> class T>
struct OneOverFields {
  static void offer() { register_primitive_template<T>(); }
};
template <class... Ts>
prim::TypeList<One<Ts>...> entries(prim::TypeList<Ts...>);
template <template <class> class... Ts>
prim::TypeList<OneOverValues<Ts>...> entries(prim::ValueTemplates<Ts...>);
template <template <prim::Fields> class... Ts>
prim::TypeList<OneOverFields<Ts>...> entries(prim::FieldsTemplates<Ts...>);

// This part's entries of a list (every kParts-th from the kPart-th), each ranked by its place in
// kinds.hpp (list, then index) so `list` shows them in that order.
constexpr std::uint32_t rank(std::uint32_t list, std::size_t index) { return list << 16 | std::uint32_t(index); }

template <class... Es>
void offer_this_part(std::uint32_t list, prim::TypeList<Es...>) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ([&] { if constexpr (I % kParts == kPart) { OfferRank r(rank(list, I)); Es::offer(); } }(), ...);
  }(std::index_sequence_for<Es...>{});
}
template <class List>
void offer_this_part(std::uint32_t list) {
  offer_this_part(list, decltype(entries(List{})){});
}

const bool registered = [] {
  offer_this_part<prim::Locks>(0);
  offer_this_part<prim::SharedLocks>(1);
  offer_this_part<prim::OptimisticLocks>(2);
  offer_this_part<prim::Counters>(3);
  offer_this_part<prim::Maps>(4);
  offer_this_part<prim::SnapshotTemplates>(5);
  offer_this_part<prim::QueueTemplates>(6);
  offer_this_part<prim::RecorderTemplates>(7);
  return true;
}();

}  // namespace
}  // namespace lfbench
