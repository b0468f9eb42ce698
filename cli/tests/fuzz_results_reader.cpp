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
    const lfbench::ResultsFile file = lfbench::parse_results(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    // An A/B file is judged alone (pairs, signed-rank, Hodges-Lehmann); any other file against
    // itself (rank-sum, two-sample intervals), as one base and as two, and relative to its first
    // primitive through the normalisation too. Every renderer on each.
    cmp::Options relative, holm;
    holm.correction = cmp::Correction::holm;
    if (file.lfbench) relative.relative_to = file.cells.front().primitive;
    const auto render_all = [](const cmp::Comparison& c) {
      for (std::string_view f : cmp::formats()) (void)cmp::render(c, f, true);
      (void)c.exit_code();
    };
    if (file.ab()) {
      render_all(cmp::compare_ab(file, {}));
      render_all(cmp::compare_ab(file, holm));
    } else {
      const lfbench::ResultsFile two[] = {file, file};
      for (const cmp::Options& o : {cmp::Options{}, relative, holm}) render_all(cmp::compare(file, file, o));
      render_all(cmp::compare(two, file, {}));
    }
  } catch (const lfbench::BadInput&) {
  }
  return 0;
}
