// The built-in queues reach the scenarios the way a user's do (see builtin.cpp).
#include "../lfbench.hpp"
#include "kinds.hpp"

namespace lfbench {
namespace {

const bool registered = [] {
  prim::for_each_template(prim::QueueTemplates{}, []<template <class> class T>() { register_primitive_template<T>(); });
  return true;
}();

}  // namespace
}  // namespace lfbench
