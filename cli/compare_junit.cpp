// compare's JUnit XML format: one testcase per cell for a CI's test view, a failure where the
// cell fails the gate, skipped where it was not judged (or its absence is allowed).
#include <sstream>

#include "compare_render.hpp"

namespace lfbench::compare {

namespace {

// Text made safe for an XML attribute or element: the five markup characters escaped, and the
// control characters XML 1.0 forbids replaced.
std::string xml(const std::string& s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += (static_cast<unsigned char>(ch) < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ? '?' : ch;
    }
  }
  return out;
}

// "slower: change +8.0%, 90% CI +5.1% .. +11.0%, q 0.002, pairs 8, ...": the table's row.
std::string message(const Comparison& c, const Row& r) {
  std::string m(to_string(r.verdict));
  std::string rest;
  for (const auto& col : columns()) {
    if (!col.title || col.id == "verdict" || col.id == "cell") continue;
    const std::string v = col.text(c, r);
    if (v.empty() || v == "-") continue;
    rest += (rest.empty() ? "" : ", ") + col.title(c) + " " + v;
  }
  return rest.empty() ? m : m + ": " + rest;
}

}  // namespace

std::string render_junit(const Comparison& c, bool) {
  std::size_t failures = 0, skipped = 0;
  std::ostringstream cases;
  for (const auto& r : c.rows) {
    const std::string m = message(c, r);
    const bool skip = !r.fails && (r.verdict == Verdict::inconclusive || r.verdict == Verdict::invalid ||
                                   r.verdict == Verdict::missing);
    cases << "    <testcase classname=\"" << xml(r.scenario) << "\" name=\"" << xml(r.id) << "\" time=\"0\"";
    if (r.fails) {
      ++failures;
      cases << ">\n      <failure message=\"" << xml(m) << "\" type=\"" << to_string(r.verdict) << "\"/>\n    </testcase>\n";
    } else if (skip) {
      ++skipped;
      cases << ">\n      <skipped message=\"" << xml(m) << "\"/>\n    </testcase>\n";
    } else {
      cases << ">\n      <system-out>" << xml(m) << "</system-out>\n    </testcase>\n";
    }
  }
  const std::string counts = "tests=\"" + std::to_string(c.rows.size()) + "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\"";
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"lfbench compare\" " << counts << ">\n"
      << "  <testsuite name=\"lfbench compare\" " << counts << " time=\"0\">\n"
      << "    <properties>\n"
      << "      <property name=\"headline\" value=\"" << xml(headline(c)) << "\"/>\n"
      << "      <property name=\"sources\" value=\"" << xml(sources(c)) << "\"/>\n"
      << "      <property name=\"settings\" value=\"" << xml(settings(c)) << "\"/>\n"
      << "      <property name=\"exit_code\" value=\"" << c.exit_code() << "\"/>\n"
      << "    </properties>\n"
      << cases.str() << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace lfbench::compare
