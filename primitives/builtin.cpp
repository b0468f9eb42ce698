// The built-in primitives reach the scenarios the way a user's do: register_primitive<P>()
// and register_primitive_template<T>() (lfbench.hpp) over kinds.hpp's lists, so adding a
// primitive stays its header plus one list line. The queues are in builtin_queues.cpp: their
// cells (queue and broker, three message sizes each) are most of the compile time, and a
// second file lets the two build in parallel.
#include "../lfbench.hpp"
#include "kinds.hpp"

namespace lfbench {
namespace {

const bool registered = [] {
  const auto each = []<class P>() { register_primitive<P>(); };
  prim::for_each_type(prim::Locks{}, each);
  prim::for_each_type(prim::SharedLocks{}, each);
  prim::for_each_type(prim::OptimisticLocks{}, each);
  prim::for_each_type(prim::Counters{}, each);
  prim::for_each_type(prim::Maps{}, each);
  prim::for_each_template(prim::SnapshotTemplates{}, []<template <class> class T>() { register_primitive_template<T>(); });
  prim::for_each_template(prim::RecorderTemplates{},
                          []<template <prim::Fields> class T>() { register_primitive_template<T>(); });
  return true;
}();

}  // namespace
}  // namespace lfbench
