// compare's Markdown format: a pull-request comment listing what changed or could not be
// judged; `same` cells only counted.
#include <sstream>

#include "compare_render.hpp"

namespace lfbench::compare {

namespace {

// A '|' inside a table cell would end it (GitHub ends it even inside backticks).
std::string md_cell(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

}  // namespace

std::string render_md(const Comparison& c, bool) {
  std::ostringstream out;
  out << "### lfbench compare: " << (c.exit_code() ? "**" + md_cell(headline(c)) + "**" : md_cell(headline(c))) << "\n\n";
  out << md_cell(sources(c)) << " (" << md_cell(settings(c)) << ")\n\n";
  for (const auto& m : c.env_mismatches) out << "> environment differs: " << md_cell(m) << "\n";
  if (!c.env_mismatches.empty()) out << "\n";
  bool header = false;
  for (const auto& r : c.rows) {
    if (r.verdict == Verdict::same) continue;
    if (!header) {
      std::string titles = "|", rule = "|";
      for (const auto& col : columns())
        if (col.title) {
          titles += " " + md_cell(col.title(c)) + " |";
          rule += col.right ? "--:|" : "---|";
        }
      out << titles << "\n" << rule << "\n";
      header = true;
    }
    out << "|";
    for (const auto& col : columns()) {
      if (!col.title) continue;
      std::string s = md_cell(col.text(c, r));
      if (col.id == "cell") s = "`" + s + "`";
      if (col.id == "verdict" && bad_row(r)) s = "**" + s + "**";
      out << " " << s << " |";
    }
    out << "\n";
  }
  if (header) out << "\n";
  if (const std::size_t same = c.count(Verdict::same)) out << plural(same, "cell") << " same.\n\n";
  for (const auto& g : c.geomeans)
    out << "- geomean " << (g.scenario.empty() ? "**overall**" : md_cell(g.scenario)) << ": " << pct(g.ratio) << " over "
        << g.cells << " cells\n";
  return out.str();
}

}  // namespace lfbench::compare
