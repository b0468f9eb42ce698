#!/bin/sh
# Builds ./lost-update-lfbench against an installed lfbench (pkg-config only).
set -eu
cd "$(dirname "$0")"
${CXX:-c++} -std=c++20 -O2 lost_update_lock.cpp $(pkg-config --cflags --libs lfbench) -o lost-update-lfbench
