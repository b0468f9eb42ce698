// compare's text format: the column table aligned for a terminal or a CI log, verdicts coloured
// on a terminal.
#include <algorithm>
#include <sstream>

#include "compare_render.hpp"

namespace lfbench::compare {

std::string render_text(const Comparison& c, bool color) {
  const auto paint = [color](const Row& r, const std::string& s) {
    const char* code = bad_row(r) || r.verdict == Verdict::missing ? "31"
                       : r.verdict == Verdict::faster              ? "32"
                       : r.verdict == Verdict::inconclusive        ? "33"
                                                                   : nullptr;
    return color && code ? "\033[" + std::string(code) + "m" + s + "\033[0m" : s;
  };
  std::vector<const Column*> shown;
  for (const auto& col : columns())
    if (col.title) shown.push_back(&col);
  std::vector<std::vector<std::string>> cells(c.rows.size() + 1);
  for (const Column* col : shown) cells[0].push_back(col->title(c));
  for (std::size_t i = 0; i < c.rows.size(); ++i)
    for (const Column* col : shown) cells[i + 1].push_back(col->text(c, c.rows[i]));
  std::vector<std::size_t> width(shown.size(), 0);
  for (const auto& line : cells)
    for (std::size_t k = 0; k < line.size(); ++k) width[k] = std::max(width[k], line[k].size());

  std::ostringstream out;
  out << "lfbench compare: " << sources(c) << " (" << settings(c) << ")\n";
  for (const auto& m : c.env_mismatches) out << "environment differs: " << m << "\n";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    std::string line;
    for (std::size_t k = 0; k < shown.size(); ++k) {
      const std::string& s = cells[i][k];
      const std::string pad(width[k] - s.size(), ' ');
      const bool last = k + 1 == shown.size();
      std::string padded = shown[k]->right ? pad + s : last ? s : s + pad;
      // Padded before colouring: escapes have no width.
      if (i > 0 && shown[k]->id == "verdict") padded = paint(c.rows[i - 1], padded);
      line += padded + (last ? "" : "  ");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  for (const auto& g : c.geomeans)
    out << "geomean " << (g.scenario.empty() ? "overall" : g.scenario) << ": " << pct(g.ratio) << " over " << g.cells
        << " cells\n";
  out << headline(c) << "\n";
  return out.str();
}

}  // namespace lfbench::compare
