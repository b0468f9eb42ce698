#!/bin/sh
# Builds ./ticket-lfbench: lfbench with the ticket lock in it. Needs only an installed lfbench
# that pkg-config can find (PKG_CONFIG_PATH=<prefix>/lib/<arch>/pkgconfig if not in /usr/local).
set -eu
cd "$(dirname "$0")"
${CXX:-c++} -std=c++20 -O2 ticket_lock.cpp $(pkg-config --cflags --libs lfbench) -o ticket-lfbench
