#!/bin/sh
# Builds ./orders-lfbench-tsan: lfbench's ThreadSanitizer variant with the six primitives of
# orders.cpp in it, for `./orders-lfbench-tsan verify`. Needs an installed lfbench-tsan
# (meson install of a tree set up with -Db_sanitize=thread) that pkg-config can find.
# g++ warns (-Wtsan) where a file uses std::atomic_thread_fence, which TSan does not model.
set -eu
cd "$(dirname "$0")"
${CXX:-c++} -std=c++20 -O1 -g -fsanitize=thread orders.cpp $(pkg-config --cflags --libs lfbench-tsan) -o orders-lfbench-tsan
