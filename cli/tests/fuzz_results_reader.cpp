// libFuzzer entry point for the results reader (built and run by ci/fuzz, not by meson): any
// bytes must give either a model or BadInput — never a crash, a leak or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../compare.hpp"
#include "../input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    namespace cmp = lfbench::compare;
    const cmp::ResultsFile file = cmp::parse_results(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    // Matching a file against itself walks every cell through the statistics and the renderers;
    // relative to its first primitive, through the normalisation too.
    cmp::Options relative;
    if (file.lfbench) relative.relative_to = file.cells.front().primitive;
    for (const cmp::Options& o : {cmp::Options{}, relative}) {
      const cmp::Comparison c = cmp::compare(file, file, o);
      for (cmp::Format f : {cmp::Format::text, cmp::Format::md, cmp::Format::json}) (void)cmp::render(c, f, true);
    }
  } catch (const lfbench::BadInput&) {
  }
  return 0;
}
