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

// f.operator()<T>() for this part's entries of a list (the others are not instantiated here),
// each ranked by its place in kinds.hpp (list, then index) so `list` shows them in that order.
constexpr std::uint32_t rank(std::uint32_t list, std::size_t index) { return list << 16 | std::uint32_t(index); }

template <class... Ts, class F>
void for_this_part(std::uint32_t list, prim::TypeList<Ts...>, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ([&] { if constexpr (I % kParts == kPart) { OfferRank r(rank(list, I)); f.template operator()<Ts>(); } }(), ...);
  }(std::index_sequence_for<Ts...>{});
}
template <template <class> class... Ts, class F>
void for_this_part(std::uint32_t list, prim::ValueTemplates<Ts...>, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ([&] { if constexpr (I % kParts == kPart) { OfferRank r(rank(list, I)); f.template operator()<Ts>(); } }(), ...);
  }(std::make_index_sequence<sizeof...(Ts)>{});
}
template <template <prim::Fields> class... Ts, class F>
void for_this_part(std::uint32_t list, prim::FieldsTemplates<Ts...>, F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ([&] { if constexpr (I % kParts == kPart) { OfferRank r(rank(list, I)); f.template operator()<Ts>(); } }(), ...);
  }(std::make_index_sequence<sizeof...(Ts)>{});
}

const bool registered = [] {
  const auto each = []<class P>() { register_primitive<P>(); };
  const auto each_template = []<template <class> class T>() { register_primitive_template<T>(); };
  for_this_part(0, prim::Locks{}, each);
  for_this_part(1, prim::SharedLocks{}, each);
  for_this_part(2, prim::OptimisticLocks{}, each);
  for_this_part(3, prim::Counters{}, each);
  for_this_part(4, prim::Maps{}, each);
  for_this_part(5, prim::SnapshotTemplates{}, each_template);
  for_this_part(6, prim::QueueTemplates{}, each_template);
  for_this_part(7, prim::RecorderTemplates{},
                []<template <prim::Fields> class T>() { register_primitive_template<T>(); });
  return true;
}();

}  // namespace
}  // namespace lfbench
