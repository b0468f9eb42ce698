#include "compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "input.hpp"
#include "../scenarios/harness/stats.hpp"
#include "../scenarios/harness/usage.hpp"

namespace lfbench::compare {

using nlohmann::json;

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::faster: return "faster";
    case Verdict::slower: return "slower";
    case Verdict::same: return "same";
    case Verdict::inconclusive: return "inconclusive";
    case Verdict::missing: return "missing";
    case Verdict::added: return "new";
    case Verdict::invalid: return "invalid";
  }
  return "?";
}

std::size_t Comparison::count(Verdict v) const {
  return std::size_t(std::count_if(rows.begin(), rows.end(), [v](const Row& r) { return r.verdict == v; }));
}

std::size_t Comparison::compared() const {
  return std::size_t(std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.in_both; }));
}

std::size_t Comparison::unjudged() const {
  return compared() - count(Verdict::faster) - count(Verdict::slower) - count(Verdict::same);
}

int Comparison::exit_code() const {
  if (std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.fails; })) return 1;
  // A gate never passes what it did not judge: an interrupted run, or more cells unjudged than
  // the user allowed.
  const std::size_t n = compared();
  if (new_incomplete || (n > 0 && 100.0 * double(unjudged()) / double(n) > options.max_inconclusive_pct)) return 4;
  return 0;
}

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string pct(double ratio) { return fmt("%+.1f%%", (ratio - 1) * 100); }

std::string ci_label(const Comparison& c) { return fmt("%g", 100 * (1 - 2 * c.options.alpha)) + "% CI"; }
std::string ci_text(const Row& r) { return r.ci_low ? pct(*r.ci_low) + " .. " + pct(*r.ci_high) : "-"; }

namespace {

// A cell before multiple-comparison control: its row, its tests, and what keeps it from a verdict.
struct Pending {
  Row row;
  std::vector<std::string> notes;  // said whatever the verdict
  std::optional<Tests> tests;      // in the families (a test that can reach alpha, cell judgeable)
  std::string not_same;            // why it cannot be `same` ("" if it can)
  std::string untested;            // why it was not tested at all ("" if it was)
  double q_slower = 1, q_faster = 1, q_same = 1;
  double delta = 0;                // the threshold the tests used, as a log ratio
  bool in_same = false;
};

void set_ci(Row& r, const Estimate& e) {
  if (e.low && e.high) {
    r.ci_low = std::exp(*e.low);
    r.ci_high = std::exp(*e.high);
  }
}

// A cell is tested (enters the families, shows its p's) unless it cannot be judged or its test
// can never reach alpha at these sizes.
void set_tests(Pending& p, const Tests& t, double delta, double alpha, const std::string& too_few) {
  p.delta = delta;
  if (p.untested.empty() && t.min_p > alpha) p.untested = too_few;
  if (!p.untested.empty()) return;
  p.tests = t;
  p.row.p_slower = t.p_slower;
  p.row.p_faster = t.p_faster;
  p.row.p_same = t.p_same;
}

// Multiple-comparison control over the three families, then each cell's verdict and note.
void decide(Comparison& c, std::vector<Pending>& cells) {
  const Options& o = c.options;
  const auto family = [&](auto p_of, auto q_of, auto in) {
    std::vector<double> ps;
    std::vector<Pending*> members;
    for (auto& p : cells)
      if (p.tests && in(p)) {
        ps.push_back(p_of(*p.tests));
        members.push_back(&p);
      }
    const std::vector<double> qs = adjust(ps, o.correction);
    for (std::size_t i = 0; i < qs.size(); ++i) q_of(*members[i]) = qs[i];
  };
  const auto all = [](const Pending&) { return true; };
  family([](const Tests& t) { return t.p_slower; }, [](Pending& p) -> double& { return p.q_slower; }, all);
  family([](const Tests& t) { return t.p_faster; }, [](Pending& p) -> double& { return p.q_faster; }, all);
  family([](const Tests& t) { return t.p_same; }, [](Pending& p) -> double& { return p.q_same; },
         [](Pending& p) { return p.in_same = p.not_same.empty(); });
  const auto same_family = std::count_if(cells.begin(), cells.end(), [](const Pending& p) { return p.tests && p.in_same; });

  for (auto& p : cells) {
    Row& r = p.row;
    std::vector<std::string> why;
    if (r.verdict == Verdict::inconclusive) {  // the default: not decided before the families
      if (!p.tests) {
        why.push_back(p.untested);
      } else if (p.q_slower <= o.alpha) {
        r.verdict = Verdict::slower;
        r.q = p.q_slower;
      } else if (p.q_faster <= o.alpha) {
        r.verdict = Verdict::faster;
        r.q = p.q_faster;
      } else if (p.in_same && p.q_same <= o.alpha) {
        r.verdict = Verdict::same;
        r.q = p.q_same;
        // "same" promises no change beyond the threshold, not no change: say so when the interval
        // shows one (a real +8% under a 10% threshold reads as "same" otherwise).
        if (r.ci_low && r.ci_high && (*r.ci_low > 1 || *r.ci_high < 1))
          why.push_back("changed, but less than the threshold: " + ci_label(c) + " " + ci_text(r));
      } else {
        if (p.in_same) r.q = p.q_same;
        // The true reason: something rules `same` out; or the interval reaches the threshold (the
        // spread could hide a change that size); or it lies inside it and the evidence is too
        // weak once every cell is tested (q above alpha): then more pairs would decide it.
        const bool inside = r.ci_low && r.ci_high && std::log(*r.ci_low) > -p.delta && std::log(*r.ci_high) < p.delta;
        if (!p.not_same.empty())
          why.push_back(p.not_same);
        else if (inside)
          why.push_back(ci_label(c) + " " + ci_text(r) + " lies within the threshold, but p_same " +
                        fmt("%.3g", p.tests->p_same) + " is q " + fmt("%.3g", p.q_same) + " > alpha after " +
                        std::string(to_string(o.correction)) + " over " + std::to_string(same_family) +
                        " cells (" + (c.ab ? "pairs" : "repetitions") + ": " + std::to_string(c.ab ? r.pairs : r.n_new) +
                        ", smallest p they allow " + fmt("%.3g", p.tests->min_p) + "): more would decide it");
        else
          why.push_back("spread could hide a change of the threshold's size: " + ci_label(c) + " " + ci_text(r));
      }
    }
    // The smallest slowdown this cell could have called at its noise: its interval's lower end
    // must clear the threshold, so the threshold plus the interval's half-width (in log ratio).
    if (p.tests && r.ci_low && r.ci_high) r.mde = std::expm1(p.delta + (std::log(*r.ci_high) - std::log(*r.ci_low)) / 2);
    r.fails = r.fails || r.verdict == Verdict::slower;
    why.insert(why.end(), p.notes.begin(), p.notes.end());
    r.note = join(why, "; ");
    c.rows.push_back(std::move(r));
  }

  std::map<std::string, std::pair<double, std::size_t>> by_scenario;  // sum of log ratios, count
  double all_logs = 0;
  std::size_t all_n = 0;
  for (const auto& r : c.rows) {
    // An A/B cell with no usable pair has no paired ratio: its medians mix other moments.
    if (!r.in_both || r.verdict == Verdict::invalid || (c.ab && r.pairs == 0) || !(r.ratio > 0) || !std::isfinite(r.ratio))
      continue;
    auto& [logs, n] = by_scenario[r.scenario];
    logs += std::log(r.ratio);
    ++n;
    all_logs += std::log(r.ratio);
    ++all_n;
  }
  for (const auto& [scenario, s] : by_scenario) c.geomeans.push_back({scenario, std::exp(s.first / double(s.second)), s.second});
  if (all_n) c.geomeans.push_back({"", std::exp(all_logs / double(all_n)), all_n});
}

std::vector<double> logs(std::span<const double> xs) {
  std::vector<double> out;
  for (double x : xs) out.push_back(std::log(x));
  return out;
}

std::string pct_text(double fraction) { return fmt("%.1f", fraction * 100) + "%"; }


constexpr const char* kIncomplete = "incomplete (interrupted run): cannot be called same";

// Per workload, the reference primitive's median ns/op in a file, and whether it was noisy.
struct Reference {
  double median;
  bool noisy;
};

std::map<std::string, Reference> reference_medians(const ResultsFile& f, const std::string& primitive) {
  if (!f.lfbench) throw BadInput("--relative-to needs lfbench results; " + f.name + " is plain Google Benchmark JSON");
  std::map<std::string, Reference> refs;
  for (const auto& c : f.cells)
    if (c.primitive == primitive && c.verified) refs[c.workload] = {median(c.ns()), c.noisy || c.disturbed};
  if (refs.empty()) throw BadInput("--relative-to: " + f.name + " has no cell of primitive '" + primitive + "'");
  return refs;
}

std::vector<double> scaled(std::vector<double> xs, double by) {
  for (double& x : xs) x /= by;
  return xs;
}

// A disturbed pair is weighed, not dropped: kept when its two windows lost shares of the window
// to others (Sample::lost) that differ by at most kLostAlike — the loss a clean window may have
// (usage.hpp's kMaxLostShare) — as when the machine was busy for both alike; left out when one
// lost more than that beyond the other, or a loss is unknown. The rule looks at the pair, not
// at which window is whose, and which build went first is random: under no change either build
// is as likely to be the one a kept pair favours, so the tests stay valid.
constexpr double kLostAlike = kMaxLostShare;
bool lost_alike(const Sample& a, const Sample& b) {
  return a.lost >= 0 && b.lost >= 0 && std::fabs(a.lost - b.lost) <= kLostAlike;
}

void refuse_ab(const ResultsFile& f) {
  if (f.ab())
    throw BadInput(f.name + " is an A/B file (context.lfbench_ab); allowed: compare it alone: lfbench compare " + f.name);
}

}  // namespace

Comparison compare(std::span<const ResultsFile> bases, const ResultsFile& next, const Options& o) {
  for (const auto& b : bases) refuse_ab(b);
  refuse_ab(next);
  Comparison c;
  c.options = o;
  if (o.aa) throw BadInput("--aa " + o.aa->file + ": only for an A/B file (its pairs are what the A/A run calibrates)");
  c.threshold = o.threshold.value_or(kThresholdFiles);
  c.new_name = next.name;
  c.new_incomplete = next.incomplete;
  for (const auto& b : bases) {
    c.base_names.push_back(b.name);
    for (const char* key : kEnvKeys) {
      const json x = b.env.value(key, json()), y = next.env.value(key, json());
      if (x != y)
        c.env_mismatches.push_back(std::string(key) + ": " + x.dump() + " vs " + y.dump() +
                                   (bases.size() > 1 ? " (" + b.name + ")" : ""));
    }
  }
  const bool relative = !o.relative_to.empty();
  std::vector<std::map<std::string, Reference>> base_refs;
  std::map<std::string, Reference> new_refs;
  if (relative) {
    for (const auto& b : bases) base_refs.push_back(reference_medians(b, o.relative_to));
    new_refs = reference_medians(next, o.relative_to);
  }
  const auto wanted = [&o](const ResultsCell& cell) { return !o.filter || std::regex_search(cell.id, *o.filter); };

  // Cells in first-seen order over the bases; each with the bases that have it.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::pair<std::size_t, const ResultsCell*>>> in_bases;
  for (std::size_t i = 0; i < bases.size(); ++i)
    for (const auto& cell : bases[i].cells)
      if (wanted(cell)) {
        auto& list = in_bases[cell.id];
        if (list.empty()) order.push_back(cell.id);
        list.emplace_back(i, &cell);
      }
  std::map<std::string, const ResultsCell*> new_cells;
  for (const auto& cell : next.cells)
    if (wanted(cell)) new_cells.emplace(cell.id, &cell);

  const double delta0 = std::log1p(c.threshold);
  const std::string too_few_tail = " can never reach p <= " + fmt("%g", o.alpha) + "; use at least " +
                                   std::to_string(reps_needed(o.alpha)) + " a side";
  std::vector<Pending> cells;
  std::size_t matched = 0;
  for (const auto& id : order) {
    const auto& from = in_bases[id];
    const ResultsCell& first = *from.front().second;
    Pending p;
    Row& r = p.row;
    r.id = id;
    r.scenario = first.scenario;
    std::vector<double> pooled;
    for (const auto& [i, cell] : from) {
      const auto ns = cell->ns();
      pooled.insert(pooled.end(), ns.begin(), ns.end());
    }
    r.n_base = pooled.size();
    const auto it = new_cells.find(id);
    if (it == new_cells.end()) {
      r.verdict = Verdict::missing;
      r.base = median(pooled);
      r.fails = !o.allow_missing;
      p.notes.push_back(o.allow_missing ? "missing from new (allowed by --allow-missing)" : "missing from new");
      cells.push_back(std::move(p));
      continue;
    }
    ++matched;
    r.in_both = true;
    const ResultsCell& n = *it->second;
    r.n_new = n.samples.size();
    const auto failed_base = std::find_if(from.begin(), from.end(), [](const auto& x) { return !x.second->verified; });
    if (!n.verified || failed_base != from.end()) {
      r.verdict = Verdict::invalid;
      r.fails = !n.verified;
      p.notes.push_back(!n.verified ? "failed in new: " + n.verification_detail
                                    : "failed in base " + bases[failed_base->first].name + ": " +
                                          failed_base->second->verification_detail);
      cells.push_back(std::move(p));
      continue;
    }
    // Normalised per file (relative mode), then pooled over the bases.
    bool noisy = n.noisy || n.disturbed, ref_noisy = false, incomplete = next.incomplete || n.incomplete;
    std::vector<std::vector<double>> per_base;
    std::vector<double> ys = n.ns();
    bool scaled_all = relative;
    if (relative) {
      const auto rn = new_refs.find(n.workload);
      scaled_all = rn != new_refs.end();
      for (const auto& [i, cell] : from) scaled_all = scaled_all && base_refs[i].contains(cell->workload);
      if (scaled_all) {
        ys = scaled(ys, rn->second.median);
        ref_noisy |= rn->second.noisy;
      } else {
        p.notes.push_back("absolute: no " + o.relative_to + " in this workload");
      }
    }
    for (const auto& [i, cell] : from) {
      noisy |= cell->noisy || cell->disturbed;
      incomplete |= bases[i].incomplete || cell->incomplete;
      per_base.push_back(cell->ns());
      if (scaled_all) {
        const Reference& ref = base_refs[i].at(cell->workload);
        per_base.back() = scaled(per_base.back(), ref.median);
        ref_noisy |= ref.noisy;
      }
    }
    std::vector<double> xs;
    for (const auto& b : per_base) xs.insert(xs.end(), b.begin(), b.end());
    r.base = median(xs);
    r.next = median(ys);
    r.ratio = r.next / r.base;
    // Run-to-run spread: how far any base's median sits from the pooled one. A change must
    // exceed it, and a cell whose bases disagree by more than the threshold cannot be `same`.
    double spread = 0;
    if (per_base.size() > 1)
      for (const auto& b : per_base) spread = std::max(spread, std::fabs(std::log(median(b) / r.base)));
    const std::vector<double> lx = logs(xs), ly = logs(ys);
    set_ci(r, hodges_lehmann_shift(lx, ly, o.alpha));
    if (noisy) p.untested = "flagged noisy or disturbed by lfbench run";
    else if (ref_noisy) p.untested = "reference " + o.relative_to + " flagged noisy or disturbed by lfbench run";
    if (spread > delta0)
      p.not_same = "run-to-run spread " + pct_text(std::expm1(spread)) + " exceeds the threshold " + pct_text(c.threshold);
    else if (incomplete) p.not_same = kIncomplete;
    set_tests(p, unpaired_tests(lx, ly, std::max(delta0, spread)), std::max(delta0, spread), o.alpha,
              "too few repetitions: " + std::to_string(xs.size()) + " vs " + std::to_string(ys.size()) + too_few_tail);
    cells.push_back(std::move(p));
  }
  std::set<std::string> in_base(order.begin(), order.end());
  for (const auto& n : next.cells)
    if (wanted(n) && !in_base.contains(n.id)) {
      Pending p;
      p.row.id = n.id;
      p.row.scenario = n.scenario;
      p.row.verdict = n.verified ? Verdict::added : Verdict::invalid;
      p.row.fails = !n.verified;
      p.row.n_new = n.samples.size();
      p.row.next = median(n.ns());
      p.notes.push_back(n.verified ? "only in new" : "only in new, and failed: " + n.verification_detail);
      cells.push_back(std::move(p));
    }
  if (matched == 0)
    throw BadInput(join(c.base_names) + " and " + next.name + " have no cell in common" +
                   (o.filter ? " matching --filter '" + o.filter_text + "'" : "") + "; nothing to compare");
  decide(c, cells);
  return c;
}

Comparison compare_ab(const ResultsFile& ab, const Options& o) {
  if (!ab.ab())
    throw BadInput(ab.name + " is not an A/B file (no context.lfbench_ab); allowed alone: a file of lfbench run --ab; "
                             "otherwise give a base too: lfbench compare BASE " + ab.name);
  if (!o.relative_to.empty())
    throw BadInput("--relative-to " + o.relative_to + ": not for an A/B file (" + ab.name +
                   "); its pairs already cancel what the reference would");
  Comparison c;
  c.ab = true;
  c.options = o;
  // Pairs measured until decided were looked at after every one: the fixed-size test is not
  // valid on them, the anytime-valid one is.
  c.options.sequential = o.sequential || ab.until_decided;
  c.threshold = o.threshold.value_or(kThresholdAB);
  c.base_names = {ab.name};
  c.new_name = ab.name;
  c.new_incomplete = ab.incomplete;
  c.base_build = ab.builds[0];
  c.head_build = ab.builds[1];
  c.base_path = ab.build_paths[0];
  c.head_path = ab.build_paths[1];
  const auto wanted = [&o](const ResultsCell& cell) { return !o.filter || std::regex_search(cell.id, *o.filter); };
  std::vector<std::string> order;
  std::map<std::string, std::pair<const ResultsCell*, const ResultsCell*>> by_id;  // (base, head)
  for (const auto& cell : ab.cells) {
    if (!wanted(cell)) continue;
    auto [it, added] = by_id.try_emplace(cell.id);
    if (added) order.push_back(cell.id);
    (cell.build == c.base_build ? it->second.first : it->second.second) = &cell;
  }
  // A cell's threshold: its own from the A/A file, else the default (the note says why).
  const auto delta_of = [&](Row& r) {
    if (!o.aa) return std::log1p(c.threshold);
    const auto it = o.aa->by_cell.find(r.id);
    r.threshold = it != o.aa->by_cell.end() ? it->second : kThresholdAB;
    return std::log1p(*r.threshold);
  };
  const std::size_t need = c.options.sequential ? sequential_pairs_needed(o.alpha) : pairs_needed(o.alpha);
  std::vector<Pending> cells;
  std::size_t matched = 0;
  for (const auto& id : order) {
    const auto [b, h] = by_id[id];
    Pending p;
    Row& r = p.row;
    r.id = id;
    r.scenario = (b ? b : h)->scenario;
    r.n_base = b ? b->samples.size() : 0;
    r.n_new = h ? h->samples.size() : 0;
    if (!h || !b) {
      r.verdict = !h ? Verdict::missing : h->verified ? Verdict::added : Verdict::invalid;
      r.fails = !h ? !o.allow_missing : !h->verified;
      r.base = b ? median(b->ns()) : 0;
      r.next = h ? median(h->ns()) : 0;
      p.notes.push_back(!h ? "not measured in " + c.head_build + (o.allow_missing ? " (allowed by --allow-missing)" : "")
                           : "only in " + c.head_build + (h->verified ? "" : ", and failed: " + h->verification_detail));
      cells.push_back(std::move(p));
      continue;
    }
    r.in_both = true;
    ++matched;
    if (!b->verified || !h->verified) {
      r.verdict = Verdict::invalid;
      r.fails = !h->verified;
      p.notes.push_back("failed in " + (h->verified ? c.base_build + ": " + b->verification_detail
                                                    : c.head_build + ": " + h->verification_detail));
      cells.push_back(std::move(p));
      continue;
    }
    // Pair k: repetition k of each build. A pair with a disturbed window is left out: the
    // machine was not the same for both sides. Except with one thread: there the disturbance
    // is time off the CPU, which CPU time per operation does not count, so such a cell is
    // compared on CPU time (every pair of it, said in the note) and its disturbed pairs kept.
    std::map<std::int64_t, const Sample*> base_rep;
    for (const auto& s : b->samples) base_rep.emplace(s.rep, &s);
    // A pair is two windows measured back to back: where the file says when each was measured
    // (window_seq), two that are not adjacent are no pair (a resumed run, an edited file).
    std::vector<std::pair<const Sample*, const Sample*>> matched_pairs;
    std::size_t apart = 0;
    for (const auto& s : h->samples)
      if (const auto m = base_rep.find(s.rep); m != base_rep.end()) {
        if (s.seq >= 0 && m->second->seq >= 0 && std::llabs(s.seq - m->second->seq) != 1) ++apart;
        else matched_pairs.emplace_back(m->second, &s);
      }
    const bool any_disturbed = std::any_of(matched_pairs.begin(), matched_pairs.end(),
                                           [](const auto& pr) { return pr.first->disturbed || pr.second->disturbed; });
    const bool on_cpu = any_disturbed && b->threads == 1 && h->threads == 1 &&
                        std::all_of(matched_pairs.begin(), matched_pairs.end(),
                                    [](const auto& pr) { return pr.first->cpu_ns > 0 && pr.second->cpu_ns > 0; });
    std::vector<double> r_k, bs, hs;
    std::size_t weighed = 0;
    for (const auto& [bp, hp] : matched_pairs) {
      if (!on_cpu && (bp->disturbed || hp->disturbed)) {
        if (!lost_alike(*bp, *hp)) {
          ++r.pairs_dropped;
          continue;
        }
        ++weighed;
      }
      const double x = on_cpu ? bp->cpu_ns : bp->ns, y = on_cpu ? hp->cpu_ns : hp->ns;
      r_k.push_back(std::log(y / x));
      bs.push_back(x);
      hs.push_back(y);
    }
    if (on_cpu) p.notes.push_back("compared on CPU time per op (1 thread; disturbed pairs kept: time off the CPU does not count)");
    r.pairs = r_k.size();
    r.base = median(bs.empty() ? b->ns() : bs);
    r.next = median(hs.empty() ? h->ns() : hs);
    r.ratio = r.next / r.base;
    if (!r_k.empty()) {
      const Estimate e = hodges_lehmann(r_k, o.alpha);
      set_ci(r, e);
      r.ratio = std::exp(e.point);
    }
    if (weighed)
      p.notes.push_back(std::to_string(weighed) + " disturbed pair" + (weighed > 1 ? "s" : "") +
                        " kept (both windows lost alike, within " + pct_text(kLostAlike) + " of the window)");
    if (r.pairs_dropped)
      p.notes.push_back(std::to_string(r.pairs_dropped) + " pair" + (r.pairs_dropped > 1 ? "s" : "") +
                        " left out (a window disturbed, the other not alike)");
    if (apart)
      p.notes.push_back(std::to_string(apart) + " pair" + (apart > 1 ? "s" : "") +
                        " left out (their windows were not measured back to back: window_seq not adjacent)");
    r.pairs_dropped += apart;
    if (ab.incomplete || b->incomplete || h->incomplete) p.not_same = kIncomplete;
    const double delta = delta_of(r);
    if (o.aa)
      p.notes.push_back(o.aa->by_cell.count(r.id) ? "threshold " + pct_text(*r.threshold) + " from " + o.aa->file
                        : "threshold " + pct_text(*r.threshold) + " (the default: " + o.aa->file +
                              (o.aa->measured.count(r.id) ? " has too few usable pairs of this cell)" : " lacks this cell)"));
    set_tests(p, c.options.sequential ? sequential_paired_tests(r_k, delta) : paired_tests(r_k, delta), delta, o.alpha,
              "too few pairs: " + std::to_string(r.pairs) + " usable; p <= " + fmt("%g", o.alpha) + " needs at least " +
                  std::to_string(need));
    cells.push_back(std::move(p));
  }
  if (matched == 0)
    throw BadInput(ab.name + ": no cell" + (o.filter ? " matching --filter '" + o.filter_text + "'" : "") +
                   " was measured by both " + c.base_build + " and " + c.head_build + "; nothing to compare");
  decide(c, cells);
  return c;
}

// The farther end of the A/A interval is an upper confidence bound on how far two identical
// builds' pairs lean (where a cell's state and threads landed, which each process draws anew):
// a threshold below it would, given pairs enough, call identical builds different.
// A longer A/A run bounds the lean closer (toward the 1% floor); a cell the A/A run decided
// `same` at the default threshold has its interval, so its threshold, within that default.
AaThresholds aa_thresholds(const ResultsFile& aa, const Options& o) {
  Options plain;
  plain.alpha = o.alpha;
  const Comparison c = compare_ab(aa, plain);
  const std::size_t need = pairs_needed(o.alpha);
  AaThresholds t;
  t.file = aa.name;
  for (const auto& r : c.rows) {
    t.measured.insert(r.id);
    if (!r.ci_low || !r.ci_high || r.verdict == Verdict::invalid || r.pairs < need) continue;
    const double reach = std::max(std::abs(std::log(*r.ci_low)), std::abs(std::log(*r.ci_high)));
    const double th = std::max(kAaFloor, std::expm1(reach));
    t.by_cell[r.id] = th;
    t.smallest = t.by_cell.size() == 1 ? th : std::min(t.smallest, th);
    t.largest = std::max(t.largest, th);
  }
  if (t.by_cell.empty())
    throw BadInput("--aa " + aa.name + ": no cell has " + std::to_string(need) + " usable pairs (what an interval at alpha " +
                   fmt("%g", o.alpha) + " needs); allowed: an A/A file of lfbench run --ab a=B --ab b=B");
  return t;
}

}  // namespace lfbench::compare
