#include "compare_render.hpp"

#include <algorithm>
#include <stdexcept>

#include "input.hpp"

namespace lfbench::compare {

using nlohmann::json;

// The formats: each in its own file, declared and listed here.
std::string render_text(const Comparison& c, bool color);   // compare_text.cpp
std::string render_md(const Comparison& c, bool color);     // compare_md.cpp
std::string render_json(const Comparison& c, bool color);   // compare_json.cpp
std::string render_junit(const Comparison& c, bool color);  // compare_junit.cpp

namespace {

struct FormatEntry {
  std::string_view name;
  std::string (*render)(const Comparison&, bool color);
};
constexpr FormatEntry kFormats[] = {
    {"text", render_text},
    {"md", render_md},
    {"json", render_json},
    {"junit", render_junit},
};

std::string fmt_p(const std::optional<double>& p) {
  if (!p) return "-";
  return *p >= 0.001 || *p == 0 ? fmt("%.3f", *p) : fmt("%.1e", *p);
}

// Column unit: relative times are multiples of the reference primitive named in settings().
std::string unit(const Comparison& c) { return c.options.relative_to.empty() ? "ns/op" : "x ref"; }
std::string value(double x, bool present) { return present ? fmt("%.4g", x) : "-"; }
json opt(const std::optional<double>& x) { return x ? json(*x) : json(); }

// The table: text and Markdown show the titled columns in this order; JSON has every column's
// fields; JUnit's message is the titled columns after verdict and cell.
const Column kColumns[] = {
    {"verdict", [](const Comparison&) -> std::string { return "verdict"; },
     [](const Comparison&, const Row& r) { return std::string(to_string(r.verdict)); },
     [](const Comparison&, const Row& r, json& o) {
       o["verdict"] = to_string(r.verdict);
       o["fails"] = r.fails;
     }},
    {"cell", [](const Comparison&) -> std::string { return "cell"; },
     [](const Comparison&, const Row& r) { return r.id; },
     [](const Comparison&, const Row& r, json& o) {
       o["id"] = r.id;
       o["scenario"] = r.scenario;
     }},
    {"change", [](const Comparison&) -> std::string { return "change"; },
     [](const Comparison&, const Row& r) { return r.in_both ? pct(r.ratio) : "-"; },
     [](const Comparison&, const Row& r, json& o) {
       o["ratio"] = r.in_both && r.verdict != Verdict::invalid ? json(r.ratio) : json();
     },
     true},
    {"ci", ci_label, [](const Comparison&, const Row& r) { return ci_text(r); },
     [](const Comparison&, const Row& r, json& o) {
       o["ci_low"] = opt(r.ci_low);
       o["ci_high"] = opt(r.ci_high);
     }},
    {"q", [](const Comparison&) -> std::string { return "q"; },
     [](const Comparison&, const Row& r) { return fmt_p(r.q); },
     [](const Comparison&, const Row& r, json& o) { o["q"] = opt(r.q); }, true},
    {"tests", nullptr, nullptr,
     [](const Comparison&, const Row& r, json& o) {
       o["p_slower"] = opt(r.p_slower);
       o["p_faster"] = opt(r.p_faster);
       o["p_same"] = opt(r.p_same);
     }},
    {"mde", [](const Comparison&) -> std::string { return "mde"; },
     [](const Comparison&, const Row& r) { return r.mde ? fmt("%+.1f%%", *r.mde * 100) : "-"; },
     [](const Comparison&, const Row& r, json& o) { o["mde"] = opt(r.mde); }, true},
    {"n", [](const Comparison& c) -> std::string { return c.ab ? "pairs" : "n"; },
     [](const Comparison& c, const Row& r) -> std::string {
       if (!r.in_both) return "-";
       return c.ab ? std::to_string(r.pairs) : std::to_string(r.n_base) + "/" + std::to_string(r.n_new);
     },
     [](const Comparison& c, const Row& r, json& o) {
       o["n_base"] = r.n_base;
       o["n_new"] = r.n_new;
       if (c.ab) {
         o["pairs"] = r.pairs;
         o["pairs_dropped"] = r.pairs_dropped;
       }
     },
     true},
    {"base", [](const Comparison& c) { return "base " + unit(c); },
     [](const Comparison&, const Row& r) { return value(r.base, r.n_base); },
     [](const Comparison& c, const Row& r, json& o) {
       o["base"] = r.n_base ? json(r.base) : json();
       o["unit"] = c.options.relative_to.empty() ? "ns_per_op" : "ratio_to_" + c.options.relative_to;
     },
     true},
    {"new", [](const Comparison& c) { return "new " + unit(c); },
     [](const Comparison&, const Row& r) { return value(r.next, r.n_new); },
     [](const Comparison&, const Row& r, json& o) { o["new"] = r.n_new ? json(r.next) : json(); }, true},
    {"note", [](const Comparison&) -> std::string { return "note"; },
     [](const Comparison&, const Row& r) { return r.note; },
     [](const Comparison&, const Row& r, json& o) { o["note"] = r.note; }},
};

// A few ids, then how many more: a headline stays one readable line.
std::string some(const std::vector<std::string>& ids) {
  constexpr std::size_t kShown = 5;
  std::vector<std::string> head(ids.begin(), ids.begin() + long(std::min(ids.size(), kShown)));
  return join(head) + (ids.size() > kShown ? " and " + std::to_string(ids.size() - kShown) + " more" : "");
}

}  // namespace

std::span<const Column> columns() { return kColumns; }

std::vector<std::string_view> formats() {
  std::vector<std::string_view> out;
  for (const auto& f : kFormats) out.push_back(f.name);
  return out;
}

std::string render(const Comparison& c, std::string_view format, bool color) {
  for (const auto& f : kFormats)
    if (f.name == format) return f.render(c, color);
  throw std::invalid_argument("no compare format '" + std::string(format) + "'");
}

std::string plural(std::size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

bool bad_row(const Row& r) { return r.fails || r.verdict == Verdict::slower || r.verdict == Verdict::invalid; }

std::string headline(const Comparison& c) {
  std::vector<std::string> slower, failed, missing, allowed;
  for (const auto& r : c.rows) {
    if (r.verdict == Verdict::slower) slower.push_back(r.id);
    if (r.verdict == Verdict::invalid && r.fails) failed.push_back(r.id);
    if (r.verdict == Verdict::missing) (r.fails ? missing : allowed).push_back(r.id);
  }
  const std::size_t n = c.compared(), unjudged = c.unjudged(), inconclusive = c.count(Verdict::inconclusive);
  const std::size_t base_invalid = unjudged - inconclusive;  // failed only in the base: not judged either
  std::vector<std::string> parts;
  if (!slower.empty()) parts.push_back(plural(slower.size(), "regression") + ": " + some(slower));
  if (!failed.empty()) parts.push_back(std::to_string(failed.size()) + " failed in new (verification, hung or crashed): " + some(failed));
  if (!missing.empty()) parts.push_back(std::to_string(missing.size()) + " missing from new: " + some(missing));
  std::string s;
  if (parts.empty()) {
    std::vector<std::string> kinds;
    if (c.count(Verdict::same)) kinds.push_back(std::to_string(c.count(Verdict::same)) + " same");
    if (c.count(Verdict::faster)) kinds.push_back(std::to_string(c.count(Verdict::faster)) + " faster");
    s = "no regression: " + std::to_string(n - unjudged) + " of " + std::to_string(n) + " cells judged" +
        (kinds.empty() ? "" : " (" + join(kinds) + ")");
    if (inconclusive) s += ", " + std::to_string(inconclusive) + " inconclusive";
    if (base_invalid) s += ", " + std::to_string(base_invalid) + " failed in base";
  } else {
    s = join(parts, "; ");
    if (inconclusive) s += "; " + std::to_string(inconclusive) + " inconclusive";
  }
  if (!allowed.empty()) s += "; " + std::to_string(allowed.size()) + " missing from new (allowed)";
  if (c.new_incomplete) s += "; " + c.new_name + " is from an interrupted run (lfbench_incomplete): never a pass";
  if (c.exit_code() == 0 && unjudged) s += " (within --max-inconclusive " + fmt("%g", c.options.max_inconclusive_pct) + "%)";
  return s;
}

std::string settings(const Comparison& c) {
  const Options& o = c.options;
  std::string threshold = fmt("%g", c.threshold * 100) + "%";
  if (o.aa)
    threshold = "per cell from A/A " + o.aa->file + " (" + fmt("%.1f", o.aa->smallest * 100) + "-" +
                fmt("%.1f", o.aa->largest * 100) + "%, else " + fmt("%g", kThresholdAB * 100) + "%)";
  std::string s = "alpha " + fmt("%g", o.alpha) + ", threshold " + threshold + ", " +
                  std::string(to_string(o.correction)) + ", " + ci_label(c);
  if (!o.relative_to.empty()) s += ", relative to " + o.relative_to;
  if (o.filter) s += ", filter '" + o.filter_text + "'";
  if (o.allow_missing) s += ", missing cells allowed";
  if (o.sequential) s += ", sequential (anytime-valid sign e-processes, e-BH)";
  if (o.max_inconclusive_pct > 0) s += ", up to " + fmt("%g", o.max_inconclusive_pct) + "% inconclusive allowed";
  return s;
}

std::string sources(const Comparison& c) {
  if (c.ab)
    return c.new_name + " (A/B): " + c.head_build + " (" + c.head_path + ") vs " + c.base_build + " (" + c.base_path + ")";
  return join(c.base_names, " + ") + " -> " + c.new_name;
}

}  // namespace lfbench::compare
