// libFuzzer entry point for the suite-file reader (built and run by ci/fuzz-all, not by meson):
// any bytes must give either a list of runs or BadInput (one line naming the file) — never a
// crash, a leak, a stack overflow or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../input.hpp"
#include "../plan_builder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)lfbench::parse_suite(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const lfbench::BadInput& e) {
    for (const char* p = e.what(); *p; ++p)
      if (*p == '\n') std::abort();  // the message must stay one line
  }
  return 0;
}
