// The process's entry (cli/main.cpp is lfbench's main).
#include "commands.hpp"

int main(int argc, char** argv) { return lfbench::main(argc, argv); }
