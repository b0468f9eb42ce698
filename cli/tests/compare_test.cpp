// lfbench compare: the rank tests and estimates against hand-computed values, multiple-comparison
// control, the verdict rules of both modes (A/B pairs, separate files, several bases), reading
// (A/B fields included), every kind of bad input, the four output formats, and the real binary
// on fixture files (made by fixtures/make_fixtures.py) and on two real runs. No timing asserted.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "../compare.hpp"
#include "../input.hpp"
#include "run_lfbench.hpp"

namespace lfbench::compare {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

fs::path fixtures() { return std::getenv("LFBENCH_FIXTURES") ? std::getenv("LFBENCH_FIXTURES") : "fixtures"; }
std::string fixture(const std::string& name) { return (fixtures() / name).string(); }

// ---- rank-sum (Mann-Whitney) ----

TEST(RankSum, FullySeparatedFiveVsFiveIsTheSmallestExactP) {
  const std::vector<double> a{1, 2, 3, 4, 5}, b{6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(rank_sum_p(a, b, Tail::upper), 1.0 / 252);  // b above a: 1 labelling of C(10,5)
  EXPECT_DOUBLE_EQ(rank_sum_p(b, a, Tail::lower), 1.0 / 252);
  EXPECT_DOUBLE_EQ(rank_sum_p(a, b, Tail::lower), 1.0);
  EXPECT_DOUBLE_EQ(min_rank_sum_p(5, 5), 1.0 / 252);
}

TEST(RankSum, TextbookExample) {
  // SciPy's documented example (scipy.stats.mannwhitneyu): U = 17, exact two-sided p = 1/9, so
  // the one-sided p that males lie above females is 1/18.
  const std::vector<double> males{19, 22, 16, 29, 24}, females{20, 11, 17, 12};
  EXPECT_NEAR(rank_sum_p(females, males, Tail::upper), 1.0 / 18, 1e-12);
  EXPECT_NEAR(rank_sum_p(males, females, Tail::lower), 1.0 / 18, 1e-12);
}

TEST(RankSum, SmallSizesHaveAFloor) {
  EXPECT_DOUBLE_EQ(min_rank_sum_p(3, 3), 0.05);
  EXPECT_DOUBLE_EQ(min_rank_sum_p(2, 3), 0.1);  // can never reach 0.05
  EXPECT_DOUBLE_EQ(rank_sum_p(std::vector<double>{1, 2}, std::vector<double>{4, 5, 6}, Tail::upper), 0.1);
}

TEST(RankSum, TiesAreExactToo) {
  // x = {1, 1}, y = {1, 2}: doubled midranks 4, 4, 4, 8; y's doubled sum 12. Of the 6 labellings
  // of y, 3 take the 8 (sum 12), 3 do not (sum 8): P(sum >= 12) = 1/2.
  EXPECT_DOUBLE_EQ(rank_sum_p(std::vector<double>{1, 1}, std::vector<double>{1, 2}, Tail::upper), 0.5);
  const std::vector<double> same{3, 3, 3, 3, 3};
  EXPECT_DOUBLE_EQ(rank_sum_p(same, same, Tail::upper), 1.0);
  EXPECT_DOUBLE_EQ(rank_sum_p(same, same, Tail::lower), 1.0);
}

TEST(RankSum, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> a, b;
  for (int i = 0; i < 30; ++i) {
    a.push_back(i);
    b.push_back(i + 0.5);
  }
  EXPECT_GT(rank_sum_p(a, b, Tail::upper), 0.3);  // interleaved
  for (auto& x : b) x += 20;
  EXPECT_LT(rank_sum_p(a, b, Tail::upper), 1e-6);
  EXPECT_GT(rank_sum_p(a, b, Tail::lower), 0.999);
}

// ---- signed-rank (Wilcoxon) ----

TEST(SignedRank, FiveAllPositiveIsOneIn32) {
  const std::vector<double> d{0.1, 0.2, 0.3, 0.4, 0.5};
  EXPECT_DOUBLE_EQ(signed_rank_p(d, Tail::upper), 1.0 / 32);
  EXPECT_DOUBLE_EQ(signed_rank_p(d, Tail::lower), 1.0);
  EXPECT_DOUBLE_EQ(min_signed_rank_p(5), 1.0 / 32);
  EXPECT_DOUBLE_EQ(min_signed_rank_p(4), 1.0 / 16);
}

TEST(SignedRank, HandComputed) {
  // Ranks 1..5, T+ = 1 + 3 + 4 + 5 = 13 >= 13 iff T- <= 2: the negative sets {}, {1}, {2}.
  EXPECT_DOUBLE_EQ(signed_rank_p(std::vector<double>{1, -2, 3, 4, 5}, Tail::upper), 3.0 / 32);
  // The same as lower tail of the mirrored differences.
  EXPECT_DOUBLE_EQ(signed_rank_p(std::vector<double>{-1, 2, -3, -4, -5}, Tail::lower), 3.0 / 32);
  // Ties: |d| = 1, 1, 1, 2 -> doubled midranks 4, 4, 4, 8; T+ doubled = 16. Of the 16 sign
  // patterns, sums of 16 (3) and 20 (1) reach it: 4/16.
  EXPECT_DOUBLE_EQ(signed_rank_p(std::vector<double>{1, 1, -1, 2}, Tail::upper), 0.25);
}

TEST(SignedRank, ZerosAreDropped) {
  EXPECT_DOUBLE_EQ(signed_rank_p(std::vector<double>{0, 0.1, 0, 0.2, 0.3, 0.4, 0.5}, Tail::upper), 1.0 / 32);
  EXPECT_DOUBLE_EQ(signed_rank_p(std::vector<double>{0, 0, 0}, Tail::upper), 1.0);
  EXPECT_DOUBLE_EQ(signed_rank_p(std::vector<double>{}, Tail::lower), 1.0);
}

// ---- sequential (anytime-valid) paired tests: synthetic pair streams, no timing ----

// Heavy-tailed noise on log ratios (Student t, 2 degrees of freedom: infinite variance), scaled
// like contended cells on 2 vCPUs (about 10%).
struct PairStream {
  std::mt19937_64 rng;
  std::student_t_distribution<double> t{2.0};
  double shift, scale;
  PairStream(std::uint64_t seed, double shift_, double scale_ = 0.1) : rng(seed), shift(shift_), scale(scale_) {}
  double next() { return shift + scale * t(rng); }
};

// Looks after every pair, stops at the first verdict (or after max_pairs): what a run that
// measures until each cell is decided does. Returns "slower", "faster", "same" or "".
std::string decide(PairStream& s, double delta, double alpha, std::size_t max_pairs, bool sequential,
                   std::size_t* used = nullptr) {
  std::vector<double> r;
  for (std::size_t n = 1; n <= max_pairs; ++n) {
    r.push_back(s.next());
    if (n < 2) continue;
    const Tests t = sequential ? sequential_paired_tests(r, delta) : paired_tests(r, delta);
    if (used) *used = n;
    if (t.p_slower <= alpha) return "slower";
    if (t.p_faster <= alpha) return "faster";
    if (t.p_same <= alpha) return "same";
  }
  return "";
}

// The worst null for "slower": the true change sits exactly at the threshold. Looking after every
// pair keeps false regressions at or below alpha with the sequential tests; the fixed-size
// signed-rank test, looked at the same way, does not (why the sequential ones exist).
// A sanitizer tree checks the same code's memory on a sixth of the runs (600 take 49 s at -O0),
// too few to hold the rate to alpha exactly (6 of the first 100 here): there it is held to 2 alpha.
TEST(Sequential, LookingAfterEveryPairKeepsFalseRegressionsAtAlpha) {
  const double delta = std::log(1.05), alpha = 0.05;
  const int runs = test::kSanitized ? 100 : 600;
  const double allowed = (test::kSanitized ? 2 : 1) * alpha * runs;
  int seq_false = 0, fixed_false = 0;
  for (int i = 0; i < runs; ++i) {
    PairStream a(1000 + i, delta), b(1000 + i, delta);
    seq_false += decide(a, delta, alpha, 100, true) == "slower";
    fixed_false += decide(b, delta, alpha, 100, false) == "slower";
  }
  RecordProperty("sequential_false_regressions", seq_false);
  RecordProperty("fixed_size_false_regressions", fixed_false);
  EXPECT_LE(seq_false, allowed) << seq_false << " false regressions in " << runs;
  EXPECT_GT(fixed_false, 2 * alpha * runs) << "the fixed-size test looked at will should exceed alpha: " << fixed_false;
}

TEST(Sequential, ATenPercentSlowdownIsDecidedSlowerWithEnoughPairs) {
  const double delta = std::log(1.05), alpha = 0.05;
  int slower = 0, wrong = 0;
  std::size_t most = 0;
  for (int i = 0; i < 200; ++i) {
    PairStream s(5000 + i, std::log(1.10));
    std::size_t used = 0;
    const std::string v = decide(s, delta, alpha, 200, true, &used);
    slower += v == "slower";
    wrong += v == "faster" || v == "same";
    if (v == "slower") most = std::max(most, used);
  }
  EXPECT_GE(slower, 180) << "of 200 runs; the slowest took " << most << " pairs";
  EXPECT_EQ(wrong, 0);
}

// A budget (here 20 pairs) stops a cell whose change is close to the threshold before it is
// decided: no verdict, and the smallest p it could have reached says why.
TEST(Sequential, ABudgetStopsACloseCellUndecided) {
  const double delta = std::log(1.05), alpha = 0.05;
  int undecided = 0;
  for (int i = 0; i < 100; ++i) {
    PairStream s(9000 + i, std::log(1.06));
    undecided += decide(s, delta, alpha, 20, true).empty();
  }
  EXPECT_GE(undecided, 80);
  // Five pairs, all one way: the mixture's best is mean over bets of (1 + bet)^5, still above alpha.
  const Tests t = sequential_paired_tests(std::vector<double>(5, 1.0), delta);
  EXPECT_GT(t.min_p, alpha);
  EXPECT_DOUBLE_EQ(t.p_slower, t.min_p);
  EXPECT_LE(sequential_paired_tests(std::vector<double>(8, 1.0), delta).p_slower, alpha);
}

TEST(SignedRank, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> pos, sym;
  for (int i = 1; i <= 60; ++i) {
    pos.push_back(i);
    sym.push_back(i % 2 ? i : -i);
  }
  EXPECT_LT(signed_rank_p(pos, Tail::upper), 1e-9);
  EXPECT_GT(signed_rank_p(sym, Tail::upper), 0.2);
  EXPECT_GT(signed_rank_p(sym, Tail::lower), 0.2);
  // Where the exact table ends (50) and the approximation starts (51), the same pattern gives
  // nearly the same p.
  std::vector<double> a, b;
  for (int i = 1; i <= 51; ++i) (i <= 50 ? a : b).push_back(i % 5 == 0 || i % 7 == 0 ? -i : i);
  b.insert(b.begin(), a.begin(), a.end());
  const double exact = signed_rank_p(a, Tail::upper), approx = signed_rank_p(b, Tail::upper);
  EXPECT_GT(exact, 1e-4);
  EXPECT_LT(exact, 0.05);
  EXPECT_NEAR(approx / exact, 1, 0.5) << exact << " " << approx;
}

// ---- Hodges-Lehmann ----

// Every Walsh average, sorted: the brute force the bisection must agree with.
std::vector<double> walsh(std::vector<double> r) {
  std::vector<double> w;
  for (std::size_t i = 0; i < r.size(); ++i)
    for (std::size_t j = i; j < r.size(); ++j) w.push_back((r[i] + r[j]) / 2);
  std::sort(w.begin(), w.end());
  return w;
}

TEST(HodgesLehmann, OneSampleKnownSet) {
  // 1..10: Walsh averages 1, 1.5, ..., 10 with multiplicities. Critical rank for n = 10 at
  // one-sided 0.05: P(T <= 10) = 0.042, P(T <= 11) = 0.053, so k = 11: [W(11), W(45)] =
  // [3.5, 7.5]; the median W(28) = 5.5.
  std::vector<double> r;
  for (int i = 1; i <= 10; ++i) r.push_back(i);
  const Estimate e = hodges_lehmann(r, 0.05);
  EXPECT_DOUBLE_EQ(e.point, 5.5);
  ASSERT_TRUE(e.low && e.high);
  EXPECT_DOUBLE_EQ(*e.low, 3.5);
  EXPECT_DOUBLE_EQ(*e.high, 7.5);
  // n = 5: only k = 1 (1/32 <= 0.05): the extremes. n = 4: 1/16 > 0.05: no interval.
  const Estimate five = hodges_lehmann(std::vector<double>{0.3, 0.1, 0.5, 0.2, 0.4}, 0.05);
  EXPECT_DOUBLE_EQ(five.point, 0.3);
  EXPECT_DOUBLE_EQ(*five.low, 0.1);
  EXPECT_DOUBLE_EQ(*five.high, 0.5);
  EXPECT_FALSE(hodges_lehmann(std::vector<double>{1, 2, 3, 4}, 0.05).low);
}

TEST(HodgesLehmann, BisectionMatchesTheBruteForce) {
  std::mt19937 rng(7);
  for (int n : {1, 2, 7, 12, 31}) {
    std::vector<double> r;
    for (int i = 0; i < n; ++i) r.push_back(double(rng() % 2001) / 1000 - 1);  // with ties
    const std::vector<double> w = walsh(r);
    const std::size_t m = w.size();
    const Estimate e = hodges_lehmann(r, 0.05);
    EXPECT_DOUBLE_EQ(e.point, m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2) << n;
    if (e.low) {
      // [W(k), W(m + 1 - k)]: with ties, k is one of the ranks holding the lower end's value.
      const auto first = std::size_t(std::lower_bound(w.begin(), w.end(), *e.low) - w.begin());
      const auto last = std::size_t(std::upper_bound(w.begin(), w.end(), *e.low) - w.begin());
      ASSERT_LT(first, last) << "the lower end is a Walsh average";
      bool matched = false;
      for (std::size_t i = first; i < last; ++i) matched |= *e.high == w[m - 1 - i];
      EXPECT_TRUE(matched) << n << ": " << *e.low << " .. " << *e.high;
    }
  }
}

TEST(HodgesLehmann, TwoSampleKnownSet) {
  // y - x over {1..5} x {6..10}: 1..9 with counts 1,2,3,4,5,4,3,2,1; k = 5 (P(U <= 4) = 12/252).
  const Estimate e = hodges_lehmann_shift(std::vector<double>{1, 2, 3, 4, 5}, std::vector<double>{6, 7, 8, 9, 10}, 0.05);
  EXPECT_DOUBLE_EQ(e.point, 5);
  ASSERT_TRUE(e.low && e.high);
  EXPECT_DOUBLE_EQ(*e.low, 3);
  EXPECT_DOUBLE_EQ(*e.high, 7);
  EXPECT_FALSE(hodges_lehmann_shift(std::vector<double>{1, 2}, std::vector<double>{3, 4, 5}, 0.05).low);
}

// ---- multiple comparisons ----

TEST(Adjust, BenjaminiHochbergAndHolm) {
  const std::vector<double> p{0.01, 0.04, 0.03, 0.005};
  const std::vector<double> bh = adjust(p, Correction::bh), holm = adjust(p, Correction::holm);
  const std::vector<double> want_bh{0.02, 0.04, 0.04, 0.02}, want_holm{0.03, 0.06, 0.06, 0.02};
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(bh[i], want_bh[i], 1e-12) << i;
    EXPECT_NEAR(holm[i], want_holm[i], 1e-12) << i;
  }
  EXPECT_TRUE(adjust(std::vector<double>{}, Correction::bh).empty());
}

// ---- A/B files: paired verdicts ----

// An A/B results file: per cell its pairs (base ns, head ns), written as lfbench run --ab writes
// them (entries from the ab.json fixture's first one), so the reader is exercised too.
struct AbCell {
  std::string id;
  std::vector<std::pair<double, double>> pairs;
  std::set<std::size_t> disturbed = {};  // pairs whose head window was disturbed
  std::vector<std::string> flags = {};
  // CPU ns/op per pair (base, head); empty: the same as the times.
  std::vector<std::pair<double, double>> cpu = {};
  // Share of each window others took per pair (base, head); empty: not written. With `lost`,
  // `disturbed` marks both windows of those pairs.
  std::vector<std::pair<double, double>> lost = {};
};

json ab_doc(const std::vector<AbCell>& cells) {
  json doc = json::parse(test::slurp(fixture("ab.json")));
  const json tmpl = doc["benchmarks"][0];
  json entries = json::array();
  for (const auto& c : cells)
    for (std::size_t k = 0; k < c.pairs.size(); ++k)
      for (const auto& [build, t] : {std::pair{"base", c.pairs[k].first}, std::pair{"head", c.pairs[k].second}}) {
        json e = tmpl;
        e["name"] = e["run_name"] = c.id + "@" + build;
        e["repetition_index"] = k;
        e["real_time"] = e["cpu_time"] = t;
        json& lf = e["lfbench"];
        lf["id"] = c.id;
        lf["build"] = build;
        lf["scenario"] = c.id.substr(0, c.id.find('/'));
        lf["primitive"] = c.id.substr(c.id.find('/') + 1, c.id.find('/', c.id.find('/') + 1) - c.id.find('/') - 1);
        lf["ns_per_op"] = t;
        lf["threads"] = std::stoi(c.id.substr(c.id.rfind(':') + 1));
        lf["cpu_ns_per_op"] = c.cpu.empty() ? t : std::string(build) == "base" ? c.cpu[k].first : c.cpu[k].second;
        lf["disturbed"] = (std::string(build) == "head" || !c.lost.empty()) && c.disturbed.contains(k);
        if (!c.lost.empty()) {
          const double l = std::string(build) == "base" ? c.lost[k].first : c.lost[k].second;
          lf["lost_share"] = l < 0 ? json(nullptr) : json(l);
        }
        lf["flags"] = c.flags;
        entries.push_back(std::move(e));
      }
  doc["benchmarks"] = std::move(entries);
  return doc;
}

Comparison ab(const std::vector<AbCell>& cells, const Options& o = {}) {
  return compare_ab(parse_results(ab_doc(cells).dump(), "ab.json"), o);
}

// n pairs whose machine drifts by up to +-10% (alike for both builds) and whose head/base
// ratios are `ratio` times a factor spread evenly over +-jitter.
std::vector<std::pair<double, double>> pairs(std::size_t n, double ratio, double jitter = 0.005) {
  std::vector<std::pair<double, double>> out;
  for (std::size_t k = 0; k < n; ++k) {
    const double drift = 1 + 0.1 * std::sin(double(k) * 2.1);
    const double within = n > 1 ? -jitter + 2 * jitter * double((k * 3) % n) / double(n - 1) : 0;
    out.emplace_back(100 * drift, 100 * drift * ratio * (1 + within));
  }
  return out;
}

const std::string kCell = "counter/p/threads:1";
const std::string kCell2 = "counter/p/threads:2";

TEST(AbVerdict, Rules) {
  EXPECT_EQ(ab({{kCell, pairs(8, 1.2)}}).rows[0].verdict, Verdict::slower);
  EXPECT_EQ(ab({{kCell, pairs(8, 1 / 1.2)}}).rows[0].verdict, Verdict::faster);
  // +-1% around no change: same at the default 5% threshold.
  const Comparison same = ab({{kCell, pairs(8, 1.0, 0.01)}});
  EXPECT_EQ(same.threshold, kThresholdAB);
  EXPECT_EQ(same.rows[0].verdict, Verdict::same);
  EXPECT_EQ(same.exit_code(), 0);
  // Pairs straddling the threshold (+1% .. +9%): neither slower nor same; the CI says why.
  const Comparison straddle = ab({{kCell, pairs(8, 1.05, 0.04)}});
  EXPECT_EQ(straddle.rows[0].verdict, Verdict::inconclusive);
  EXPECT_NE(straddle.rows[0].note.find("spread could hide a change of the threshold's size: 90% CI"), std::string::npos)
      << straddle.rows[0].note;
  EXPECT_EQ(straddle.exit_code(), 4);
  // Too few pairs: 4 can never give p <= 0.05 (1/16).
  const Comparison few = ab({{kCell, pairs(4, 1.5)}});
  EXPECT_EQ(few.rows[0].verdict, Verdict::inconclusive);
  EXPECT_NE(few.rows[0].note.find("too few pairs: 4 usable; p <= 0.05 needs at least 5"), std::string::npos)
      << few.rows[0].note;
  EXPECT_FALSE(few.rows[0].p_slower);
  // An explicit threshold overrides the A/B default.
  Options loose;
  loose.threshold = 0.25;
  EXPECT_EQ(ab({{kCell, pairs(8, 1.2)}}, loose).rows[0].verdict, Verdict::same);
}

// --sequential: the same rules on the anytime-valid tests, which need more pairs: 6 pairs of a
// clear +30% decide slower with the exact test and are too few for the sequential one (it says
// how many it needs); 12 decide it.
TEST(AbVerdict, SequentialNeedsMorePairsAndSaysHowMany) {
  Options seq;
  seq.sequential = true;
  EXPECT_EQ(ab({{kCell, pairs(6, 1.3)}}).rows[0].verdict, Verdict::slower);
  const Row six = ab({{kCell, pairs(6, 1.3)}}, seq).rows[0];
  EXPECT_EQ(six.verdict, Verdict::inconclusive);
  EXPECT_NE(six.note.find("needs at least " + std::to_string(sequential_pairs_needed(0.05))), std::string::npos) << six.note;
  EXPECT_EQ(ab({{kCell, pairs(12, 1.3)}}, seq).rows[0].verdict, Verdict::slower);
  EXPECT_EQ(ab({{kCell, pairs(12, 1.0)}}, seq).rows[0].verdict, Verdict::same);
}

// --aa: each cell's threshold is the farther end of its A/A interval (at least 1%); a cell the
// A/A run lacks, or measured with too few pairs for an interval, keeps the 5% default. A tight
// A/A cell then catches +3%, which the default calls same; a wide one keeps its wide threshold;
// files mode refuses.
TEST(AbVerdict, AaFileSetsEachCellsThreshold) {
  const std::string kCell3 = "counter/q/threads:4", kCell4 = "counter/r/threads:4";
  const ResultsFile aa = parse_results(
      ab_doc({{kCell, pairs(20, 1.0, 0.004)}, {kCell2, pairs(20, 1.0, 0.16)}, {kCell4, pairs(3, 1.0, 0.004)}}).dump(), "aa.json");
  const AaThresholds t = aa_thresholds(aa, Options{});
  EXPECT_EQ(t.file, "aa.json");
  ASSERT_EQ(t.by_cell.size(), 2u) << "3 pairs are too few for an interval";
  EXPECT_DOUBLE_EQ(t.by_cell.at(kCell), kAaFloor);
  EXPECT_GT(t.by_cell.at(kCell2), 0.03);
  EXPECT_DOUBLE_EQ(t.smallest, kAaFloor);
  EXPECT_DOUBLE_EQ(t.largest, t.by_cell.at(kCell2));

  const std::vector<AbCell> head = {{kCell, pairs(20, 1.03, 0.004)}, {kCell2, pairs(20, 1.03, 0.004)},
                                    {kCell3, pairs(20, 1.03, 0.004)}, {kCell4, pairs(20, 1.03, 0.004)}};
  EXPECT_EQ(ab(head).rows[0].verdict, Verdict::same) << "+3% is within the 5% default";
  Options o;
  o.aa = t;
  const Comparison c = ab(head, o);
  EXPECT_EQ(c.rows[0].verdict, Verdict::slower) << c.rows[0].note;
  EXPECT_DOUBLE_EQ(*c.rows[0].threshold, kAaFloor);
  EXPECT_NE(c.rows[0].note.find("threshold 1.0% from aa.json"), std::string::npos) << c.rows[0].note;
  EXPECT_DOUBLE_EQ(*c.rows[1].threshold, t.by_cell.at(kCell2));
  EXPECT_NE(c.rows[1].verdict, Verdict::slower);
  EXPECT_DOUBLE_EQ(*c.rows[2].threshold, kThresholdAB);
  EXPECT_NE(c.rows[2].note.find("the default: aa.json lacks this cell"), std::string::npos) << c.rows[2].note;
  EXPECT_DOUBLE_EQ(*c.rows[3].threshold, kThresholdAB);
  EXPECT_NE(c.rows[3].note.find("has too few usable pairs of this cell"), std::string::npos) << c.rows[3].note;
  EXPECT_NE(render(c, "text", false).find("threshold per cell from A/A aa.json (1.0-"), std::string::npos);
  EXPECT_NE(render(c, "json", false).find("\"threshold_pct\": 1.0"), std::string::npos);

  EXPECT_THROW(compare(aa, aa, o), BadInput);
  // Too few pairs for any interval: refused, not a threshold of nothing.
  EXPECT_THROW(aa_thresholds(parse_results(ab_doc({{kCell, pairs(4, 1.0)}}).dump(), "aa.json"), Options{}), BadInput);
}

TEST(AbVerdict, EstimateIsTheHodgesLehmannOfTheLogRatios) {
  const Comparison c = ab({{kCell, pairs(8, 1.2)}});
  const Row& r = c.rows[0];
  EXPECT_NEAR(r.ratio, 1.2, 0.01);
  ASSERT_TRUE(r.ci_low && r.ci_high);
  EXPECT_LT(*r.ci_low, r.ratio);
  EXPECT_GT(*r.ci_high, r.ratio);
  EXPECT_GT(*r.ci_low, 1.05);  // consistent with p_slower <= alpha
  EXPECT_EQ(r.pairs, 8u);
  EXPECT_NEAR(*r.p_slower, 1.0 / 256, 1e-12);
}

TEST(AbVerdict, DisturbedPairIsLeftOut) {
  // One pair wildly off (head 3x) but disturbed: left out, and the cell is still same.
  auto p = pairs(8, 1.0, 0.01);
  p[3].second *= 3;
  const Comparison c = ab({{kCell2, p, {3}}});
  EXPECT_EQ(c.rows[0].pairs, 7u);
  EXPECT_EQ(c.rows[0].pairs_dropped, 1u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::same);
  EXPECT_NE(c.rows[0].note.find("1 pair left out (a window disturbed, the other not alike)"), std::string::npos) << c.rows[0].note;
  // Dropping pairs below the minimum leaves the cell inconclusive.
  const Comparison few = ab({{kCell2, pairs(6, 1.5), {0, 1}}});
  EXPECT_EQ(few.rows[0].verdict, Verdict::inconclusive);
  EXPECT_EQ(few.rows[0].pairs, 4u);
}

// A busy machine disturbs every window of a contended cell; pairs whose windows lost alike stay.
TEST(AbVerdict, DisturbedPairsWhoseWindowsLostAlikeAreKept) {
  auto p = pairs(10, 1.0, 0.01);
  std::set<std::size_t> all;
  std::vector<std::pair<double, double>> lost;
  for (std::size_t k = 0; k < p.size(); ++k) {
    all.insert(k);
    lost.emplace_back(0.48 + 0.01 * double(k % 3), 0.50);
  }
  lost[2] = {0.05, 0.40};  // one window lost far more: left out, however its times look
  p[2].second *= 1.6;
  const Row r = ab({{kCell2, p, all, {}, {}, lost}}).rows[0];
  EXPECT_EQ(r.pairs, 9u);
  EXPECT_EQ(r.pairs_dropped, 1u);
  EXPECT_EQ(r.verdict, Verdict::same) << r.note;
  EXPECT_NE(r.note.find("9 disturbed pairs kept (both windows lost alike"), std::string::npos) << r.note;
  // A loss that is not known (no schedstat) is not alike: the pair goes.
  lost[4] = {-1, 0.5};
  const Row unknown = ab({{kCell2, p, all, {}, {}, lost}}).rows[0];
  EXPECT_EQ(unknown.pairs_dropped, 2u);
}

TEST(AbVerdict, OneThreadDisturbedPairsAreComparedOnCpuTime) {
  // Every window of a one-thread cell disturbed (a loaded machine: wall times doubled at random),
  // its CPU time per op 20% higher in head: compared on CPU time, said in the note, slower.
  auto wall = pairs(8, 1.0, 0.01);
  std::vector<std::pair<double, double>> cpu;
  for (std::size_t k = 0; k < wall.size(); ++k) {
    cpu.emplace_back(50, 60 * (1 + 0.002 * double(k % 3)));
    wall[k] = {wall[k].first * (1 + double(k % 2)), wall[k].second * (1 + double((k + 1) % 2))};
  }
  std::set<std::size_t> all;
  for (std::size_t k = 0; k < wall.size(); ++k) all.insert(k);
  const Comparison c = ab({{kCell, wall, all, {}, cpu}});
  EXPECT_EQ(c.rows[0].verdict, Verdict::slower);
  EXPECT_EQ(c.rows[0].pairs, 8u);
  EXPECT_EQ(c.rows[0].pairs_dropped, 0u);
  EXPECT_NE(c.rows[0].note.find("compared on CPU time per op"), std::string::npos) << c.rows[0].note;
  // More threads: CPU time counts what a preempted holder makes others spin, so such pairs go.
  const Comparison two = ab({{kCell2, wall, all, {}, cpu}});
  EXPECT_EQ(two.rows[0].verdict, Verdict::inconclusive);
  EXPECT_EQ(two.rows[0].pairs_dropped, 8u);
  // Nothing disturbed: wall time, as always.
  EXPECT_EQ(ab({{kCell, pairs(8, 1.0, 0.01), {}, {}, cpu}}).rows[0].verdict, Verdict::same);
}

TEST(AbVerdict, NoisyFlagDoesNotStopThePairedTest) {
  // The pairs cancel the drift the flag warns about.
  EXPECT_EQ(ab({{kCell, pairs(8, 1.2), {}, {"noisy"}}}).rows[0].verdict, Verdict::slower);
  EXPECT_EQ(ab({{kCell, pairs(8, 1.0, 0.01), {}, {"noisy"}}}).rows[0].verdict, Verdict::same);
}

TEST(AbVerdict, UnequalRepetitionsPairOnlyWhatBothHave) {
  json doc = ab_doc({{kCell, pairs(8, 1.0, 0.01)}});
  json kept = json::array();
  for (const auto& e : doc["benchmarks"])  // head lost its last two windows
    if (e["lfbench"]["build"] == "base" || e["repetition_index"].get<int>() < 6) kept.push_back(e);
  doc["benchmarks"] = kept;
  const Comparison c = compare_ab(parse_results(doc.dump(), "ab.json"), {});
  EXPECT_EQ(c.rows[0].pairs, 6u);
  EXPECT_EQ(c.rows[0].n_base, 8u);
  EXPECT_EQ(c.rows[0].n_new, 6u);
}

// Issue 29: a pair is two windows measured back to back. Where the file says when each was
// measured (window_seq), windows that were not adjacent (a resume joined them across time) are
// no pair: left out, and said.
TEST(AbVerdict, WindowsNotMeasuredBackToBackAreNoPair) {
  json doc = ab_doc({{kCell, pairs(8, 1.0, 0.01)}});
  for (auto& e : doc["benchmarks"]) {
    const auto k = e["repetition_index"].get<std::size_t>();
    const bool head = e["lfbench"]["build"] == "head";
    // Pairs 0-5 adjacent (2k, 2k+1); pairs 6 and 7 measured 100 windows apart.
    e["lfbench"]["window_seq"] = 2 * k + (head ? (k >= 6 ? 100 : 1) : 0);
  }
  const Comparison c = compare_ab(parse_results(doc.dump(), "ab.json"), {});
  EXPECT_EQ(c.rows[0].pairs, 6u);
  EXPECT_EQ(c.rows[0].pairs_dropped, 2u);
  EXPECT_NE(c.rows[0].note.find("not measured back to back"), std::string::npos) << c.rows[0].note;
}

TEST(AbVerdict, IncompleteIsNeverSameAndNeverExitZero) {
  json doc = ab_doc({{kCell, pairs(8, 1.0, 0.01)}, {"counter/q/threads:1", pairs(8, 1.3)}});
  doc["context"]["lfbench_incomplete"] = true;
  const Comparison c = compare_ab(parse_results(doc.dump(), "ab.json"), {});
  EXPECT_EQ(c.rows[0].verdict, Verdict::inconclusive);
  EXPECT_NE(c.rows[0].note.find("incomplete"), std::string::npos) << c.rows[0].note;
  EXPECT_EQ(c.rows[1].verdict, Verdict::slower);  // a regression still shows
  EXPECT_EQ(c.exit_code(), 1);
  // Every cell judged, nothing slower, the file incomplete: 4, not 0.
  json faster = ab_doc({{kCell, pairs(8, 0.7)}});
  faster["context"]["lfbench_incomplete"] = true;
  const Comparison f = compare_ab(parse_results(faster.dump(), "ab.json"), {});
  EXPECT_EQ(f.rows[0].verdict, Verdict::faster);
  EXPECT_EQ(f.exit_code(), 4);
  EXPECT_NE(render(f, "text", false).find("interrupted run"), std::string::npos);
  // A cell flagged incomplete in a complete file: capped the same way.
  const Comparison flagged = ab({{kCell, pairs(8, 1.0, 0.01), {}, {"incomplete"}}});
  EXPECT_EQ(flagged.rows[0].verdict, Verdict::inconclusive);
}

TEST(AbVerdict, MissingNewAndInvalidCells) {
  json doc = ab_doc({{kCell, pairs(8, 1.0, 0.01)}, {"counter/gone/threads:1", pairs(8, 1.0)},
                     {"counter/fresh/threads:1", pairs(8, 1.0)}, {"counter/broken/threads:1", pairs(8, 1.0)}});
  json kept = json::array();
  for (auto e : doc["benchmarks"]) {
    const std::string id = e["lfbench"]["id"], build = e["lfbench"]["build"];
    if (id == "counter/gone/threads:1" && build == "head") continue;
    if (id == "counter/fresh/threads:1" && build == "base") continue;
    if (id == "counter/broken/threads:1" && build == "head") e["lfbench"]["verification"]["ok"] = false;
    kept.push_back(e);
  }
  doc["benchmarks"] = kept;
  const ResultsFile f = parse_results(doc.dump(), "ab.json");
  const Comparison c = compare_ab(f, {});
  ASSERT_EQ(c.rows.size(), 4u);
  EXPECT_EQ(c.rows[1].verdict, Verdict::missing);
  EXPECT_EQ(c.rows[2].verdict, Verdict::added);
  EXPECT_EQ(to_string(c.rows[2].verdict), "new");
  EXPECT_EQ(c.rows[3].verdict, Verdict::invalid);
  EXPECT_TRUE(c.rows[3].fails);
  EXPECT_EQ(c.exit_code(), 1);
}

// 42 unchanged cells (A/A): log ratios with +-2% uniform noise from a fixed seed (mt19937's
// output is fixed by the standard), n_pairs pairs each.
std::vector<AbCell> aa_cells(std::uint32_t seed, int n_pairs = 10) {
  std::mt19937 rng(seed);
  std::vector<AbCell> cells;
  for (int i = 0; i < 42; ++i) {
    AbCell c{"counter/p" + std::to_string(i) + "/threads:1", {}};
    for (int k = 0; k < n_pairs; ++k) {
      const double base = 50 * (1 + 0.1 * double(rng() % 1000) / 1000);  // the machine drifts
      const double noise = 0.04 * (double(rng()) / 4294967296.0 - 0.5);
      c.pairs.emplace_back(base, base * std::exp(noise));
    }
    cells.push_back(std::move(c));
  }
  return cells;
}

TEST(MultipleComparisons, FortyTwoUnchangedCellsNeverRegress) {
  for (std::uint32_t seed : {1u, 2u, 3u})
    for (Correction corr : {Correction::bh, Correction::holm}) {
      Options o;
      o.correction = corr;
      const Comparison c = ab(aa_cells(seed), o);
      EXPECT_EQ(c.count(Verdict::slower), 0u) << seed;
      EXPECT_EQ(c.count(Verdict::faster), 0u) << seed;
      if (corr == Correction::bh) {
        EXPECT_EQ(c.count(Verdict::same), 42u) << seed;  // judged together
      }
      EXPECT_NE(c.exit_code(), 1);
    }
}

TEST(MultipleComparisons, AnUncorrectedHitIsNotADiscoveryAmong43) {
  // One cell 5-9% slower on 6 pairs: p_slower = 1/64 < 0.05 on its own, but among 43 cells whose
  // other 42 are unchanged it is no discovery (BH q = 43/64).
  std::vector<AbCell> cells = aa_cells(1);
  AbCell near{"counter/near/threads:1", {}};
  for (int k = 0; k < 6; ++k) near.pairs.emplace_back(100, 100 * (1.055 + 0.006 * k));
  cells.push_back(near);
  const Comparison c = ab(cells);
  const Row& r = c.rows.back();
  ASSERT_TRUE(r.p_slower);
  EXPECT_DOUBLE_EQ(*r.p_slower, 1.0 / 64);
  EXPECT_LT(*r.p_slower, 0.05);
  EXPECT_EQ(r.verdict, Verdict::inconclusive);
  EXPECT_EQ(c.count(Verdict::slower), 0u);
  // Alone, it is a regression.
  EXPECT_EQ(ab({near}).rows[0].verdict, Verdict::slower);
}

TEST(MultipleComparisons, BhFindsARegressionAcrossCellsAndJudgesSameCellsTogether) {
  // 42 unchanged cells and 6 cells 30% slower, 8 pairs each: every p is 1/256. BH rejects the
  // six slower (1/256 <= 6 * 0.05 / 48) and calls the 42 same together (1/256 <= 42 * 0.05 / 48);
  // Holm needs 1/256 <= 0.05 / 48 for its first rejection and makes none: no regression found,
  // nothing judged same, so exit 4, not 0.
  std::vector<AbCell> cells = aa_cells(2, 8);
  for (int i = 0; i < 6; ++i) cells.push_back({"counter/slow" + std::to_string(i) + "/threads:1", pairs(8, 1.3)});
  const Comparison bh = ab(cells);
  EXPECT_EQ(bh.count(Verdict::slower), 6u);
  EXPECT_EQ(bh.count(Verdict::same), 42u);
  EXPECT_EQ(bh.exit_code(), 1);
  Options holm;
  holm.correction = Correction::holm;
  const Comparison h = ab(cells, holm);
  EXPECT_EQ(h.count(Verdict::slower), 0u);
  EXPECT_EQ(h.count(Verdict::same), 0u);
  EXPECT_EQ(h.exit_code(), 4);
}

// ---- separate files: verdicts ----

ResultsCell cell(const std::string& id, const std::vector<double>& ns) {
  ResultsCell c;
  c.id = id;
  c.scenario = id.substr(0, id.find('/'));
  for (std::size_t i = 0; i < ns.size(); ++i) c.samples.push_back({ns[i], std::int64_t(i), false});
  return c;
}

ResultsFile file(std::vector<ResultsCell> cells, const std::string& name = "f.json") {
  ResultsFile f;
  f.name = name;
  f.lfbench = true;
  f.env = json::object();
  f.cells = std::move(cells);
  return f;
}

std::vector<double> around(double median, double step = 0.004) {
  std::vector<double> xs;
  for (int i = -2; i <= 2; ++i) xs.push_back(median * (1 + step * i));
  return xs;
}

Row judge(const std::vector<double>& base, const std::vector<double>& next, const Options& o, bool noisy = false) {
  ResultsCell n = cell(kCell, next);
  n.noisy = noisy;
  return compare::compare(file({cell(kCell, base)}), file({n}), o).rows[0];
}

TEST(FilesVerdict, Rules) {
  Options o;
  o.threshold = 0.05;
  EXPECT_EQ(judge(around(10), around(10), o).verdict, Verdict::same);
  EXPECT_EQ(judge(around(10), around(12), o).verdict, Verdict::slower);
  EXPECT_EQ(judge(around(12), around(10), o).verdict, Verdict::faster);
  EXPECT_EQ(judge(around(10), around(10.3), o).verdict, Verdict::same);  // significant, within the threshold
  const Row noisy = judge(around(10), around(13), o, true);  // flagged noisy: never judged, even 30%
  EXPECT_EQ(noisy.verdict, Verdict::inconclusive);
  EXPECT_EQ(noisy.note, "flagged noisy or disturbed by lfbench run");
  EXPECT_FALSE(noisy.p_slower);
  const Row wide = judge(around(10, 0.05), around(10.2, 0.05), o);  // spread 20% hides 5%
  EXPECT_EQ(wide.verdict, Verdict::inconclusive);
  EXPECT_NE(wide.note.find("spread could hide"), std::string::npos) << wide.note;
  EXPECT_EQ(judge(around(10, 0.05), around(13, 0.05), o).verdict, Verdict::slower);  // wide yet clear
  const Row few = judge({10, 10}, {20, 20, 20}, o);
  EXPECT_EQ(few.verdict, Verdict::inconclusive);
  EXPECT_NE(few.note.find("too few repetitions: 2 vs 3"), std::string::npos) << few.note;
  EXPECT_NE(few.note.find("at least 3 a side"), std::string::npos) << few.note;
  Options loose = o;
  loose.threshold = 0.25;
  EXPECT_EQ(judge(around(10), around(12), loose).verdict, Verdict::same);
  EXPECT_EQ(compare::compare(file({cell(kCell, around(10))}), file({cell(kCell, around(10))}), {}).threshold,
            kThresholdFiles);
}

TEST(FilesVerdict, NoisyDoubledCellIsNeverExitZero) {
  ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = base;
  for (auto& s : next.cells[1].samples) s.ns *= 2;
  next.cells[1].noisy = true;
  const Comparison c = compare::compare(base, next, {});
  EXPECT_EQ(c.rows[1].verdict, Verdict::inconclusive);
  EXPECT_EQ(c.exit_code(), 4);
  Options lenient;
  lenient.max_inconclusive_pct = 25;  // 1 of 4: allowed
  EXPECT_EQ(compare::compare(base, next, lenient).exit_code(), 0);
}

TEST(FilesVerdict, IncompleteNewFileIsNeverExitZero) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = base;
  next.incomplete = true;
  const Comparison c = compare::compare(base, next, {});
  for (const auto& r : c.rows) EXPECT_EQ(r.verdict, Verdict::inconclusive) << r.id;
  EXPECT_EQ(c.exit_code(), 4);
  ResultsFile slow = read_results(fixture("one_cell_20pct_slower.json"));
  slow.incomplete = true;
  EXPECT_EQ(compare::compare(base, slow, {}).exit_code(), 1);
}

TEST(FilesVerdict, SeveralBasesSpreadBeyondTheThreshold) {
  Options o;
  o.threshold = 0.05;
  // Base runs 10 and 12 (pooled median 11): spread ln(11/10) = 9.5% > 5%.
  const std::vector<ResultsFile> bases = {file({cell(kCell, around(10))}, "a.json"),
                                          file({cell(kCell, around(12))}, "b.json")};
  const Comparison c = compare::compare(bases, file({cell(kCell, around(11))}, "n.json"), o);
  EXPECT_EQ(c.rows[0].verdict, Verdict::inconclusive);
  EXPECT_NE(c.rows[0].note.find("run-to-run spread 9.9% exceeds the threshold 5.0%"), std::string::npos) << c.rows[0].note;
  EXPECT_EQ(c.rows[0].n_base, 10u);
  // A change beyond the spread is still a regression.
  EXPECT_EQ(compare::compare(bases, file({cell(kCell, around(15))}), o).rows[0].verdict, Verdict::slower);
  // Agreeing bases: same, from the pooled repetitions.
  const std::vector<ResultsFile> close = {file({cell(kCell, around(10))}, "a.json"),
                                          file({cell(kCell, around(10.1))}, "b.json")};
  EXPECT_EQ(compare::compare(close, file({cell(kCell, around(10))}), o).rows[0].verdict, Verdict::same);
  // A cell missing from one base uses the bases that have it.
  const std::vector<ResultsFile> partial = {file({cell(kCell, around(10))}, "a.json"),
                                            file({cell("counter/other/threads:1", around(10))}, "b.json")};
  const Comparison p =
      compare::compare(partial, file({cell(kCell, around(10)), cell("counter/other/threads:1", around(10))}), o);
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].n_base, 5u);
  EXPECT_EQ(p.rows[0].verdict, Verdict::same);
  EXPECT_EQ(p.rows[1].verdict, Verdict::same);
}

TEST(FilesVerdict, MissingCellsFailUnlessAllowed) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = base;
  next.cells.erase(next.cells.begin());
  next.cells.push_back(base.cells[0]);
  next.cells.back().id = "counter/new_prim/read_pct:0/threads:1";
  const Comparison c = compare::compare(base, next, {});
  ASSERT_EQ(c.rows.size(), 5u);
  EXPECT_EQ(c.rows.front().verdict, Verdict::missing);
  EXPECT_EQ(c.rows.back().verdict, Verdict::added);
  EXPECT_EQ(c.exit_code(), 1);
  Options allow;
  allow.allow_missing = true;
  const Comparison a = compare::compare(base, next, allow);
  EXPECT_EQ(a.rows.front().verdict, Verdict::missing);
  EXPECT_NE(a.exit_code(), 1);
  EXPECT_EQ(a.exit_code(), 0);
}

TEST(FilesVerdict, NoCellInCommonIsBadInput) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile other = base;
  for (auto& cell : other.cells) cell.id += "x";
  EXPECT_THROW(compare::compare(base, other, {}), BadInput);
  Options filtered;
  filtered.filter.emplace("nothing-matches");
  EXPECT_THROW(compare::compare(base, base, filtered), BadInput);
}

TEST(FilesVerdict, RelativeModeCancelsAWholeMachineSlowdown) {
  const ResultsFile base = read_results(fixture("base.json"));
  const ResultsFile slow = read_results(fixture("all_30pct_slower.json"));
  EXPECT_EQ(compare::compare(base, slow, {}).exit_code(), 1);
  Options rel;
  rel.relative_to = "std_mutex";
  const Comparison c = compare::compare(base, slow, rel);
  EXPECT_EQ(c.exit_code(), 0);
  for (const auto& r : c.rows) EXPECT_NEAR(r.ratio, 1.0, 1e-9) << r.id;
  EXPECT_NEAR(c.rows[2].base, 0.25, 1e-9);  // atomic_relaxed/threads:1 = 5 ns / std_mutex's 20 ns
  rel.relative_to = "no_such_primitive";
  EXPECT_THROW(compare::compare(base, slow, rel), BadInput);
}

TEST(FilesVerdict, RelativeCellsCarryTheReferencesNoise) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = read_results(fixture("one_cell_20pct_slower.json"));
  Options rel;
  rel.relative_to = "std_mutex";
  const Comparison c = compare::compare(base, next, rel);
  const auto slow = std::find_if(c.rows.begin(), c.rows.end(), [](const auto& r) { return r.verdict == Verdict::slower; });
  ASSERT_NE(slow, c.rows.end());
  const auto target = std::find_if(next.cells.begin(), next.cells.end(), [&](const auto& x) { return x.id == slow->id; });
  ASSERT_NE(target, next.cells.end());
  ASSERT_NE(target->primitive, "std_mutex");
  bool marked = false;
  for (auto& x : next.cells)
    if (x.primitive == "std_mutex" && x.workload == target->workload) x.noisy = marked = true;
  ASSERT_TRUE(marked);
  for (const auto& r : compare::compare(base, next, rel).rows)
    if (r.id == slow->id) {
      EXPECT_EQ(r.verdict, Verdict::inconclusive);
      EXPECT_NE(r.note.find("reference std_mutex flagged noisy"), std::string::npos) << r.note;
    }
}

TEST(FilesVerdict, VerificationFailureInNewFailsTheGate) {
  const ResultsFile base = read_results(fixture("base.json"));
  ResultsFile next = base;
  next.cells[1].verified = false;
  next.cells[1].verification_detail = "total 9 != ops 10";
  const Comparison c = compare::compare(base, next, {});
  EXPECT_EQ(c.rows[1].verdict, Verdict::invalid);
  EXPECT_NE(c.rows[1].note.find("total 9 != ops 10"), std::string::npos);
  EXPECT_EQ(c.exit_code(), 1);
  // A failure only in the base is reported, does not fail the change, and is not judged.
  EXPECT_EQ(compare::compare(next, base, {}).exit_code(), 4);
}

TEST(FilesVerdict, GeomeansPerScenarioAndOverall) {
  const Comparison c =
      compare::compare(read_results(fixture("base.json")), read_results(fixture("all_30pct_slower.json")), {});
  ASSERT_EQ(c.geomeans.size(), 2u);
  EXPECT_EQ(c.geomeans[0].scenario, "counter");
  EXPECT_EQ(c.geomeans[1].scenario, "");
  EXPECT_NEAR(c.geomeans[1].ratio, 1.3, 1e-9);
  EXPECT_EQ(c.geomeans[1].cells, 4u);
}

TEST(FilesVerdict, ModesAreNotMixed) {
  const ResultsFile ab_file = read_results(fixture("ab.json"));
  const ResultsFile base = read_results(fixture("base.json"));
  EXPECT_THROW(compare::compare(base, ab_file, {}), BadInput);
  EXPECT_THROW(compare::compare(ab_file, base, {}), BadInput);
  EXPECT_THROW(compare_ab(base, {}), BadInput);
  Options rel;
  rel.relative_to = "std_mutex";
  EXPECT_THROW(compare_ab(ab_file, rel), BadInput);
}

// ---- reading ----

ResultsFile parse(const std::string& text) { return parse_results(text, "f.json"); }

TEST(Reader, LfbenchFixture) {
  const ResultsFile f = read_results(fixture("base.json"));
  EXPECT_TRUE(f.lfbench);
  EXPECT_FALSE(f.ab());
  EXPECT_FALSE(f.incomplete);
  ASSERT_EQ(f.cells.size(), 4u);
  EXPECT_EQ(f.cells[0].id, "counter/std_mutex/read_pct:0/threads:1");
  EXPECT_EQ(f.cells[0].workload, "counter/read_pct:0/threads:1");
  EXPECT_EQ(f.cells[0].samples.size(), 5u);
  EXPECT_EQ(f.cells[0].samples[4].rep, 4);
}

TEST(Reader, AbFixture) {
  const ResultsFile f = read_results(fixture("ab.json"));
  ASSERT_TRUE(f.ab());
  EXPECT_EQ(f.builds, (std::vector<std::string>{"base", "head"}));
  EXPECT_EQ(f.build_paths[1], "/builds/head/lfbench");
  ASSERT_EQ(f.cells.size(), 8u);  // 4 cells x 2 builds
  std::size_t disturbed = 0;
  for (const auto& c : f.cells) {
    EXPECT_EQ(c.samples.size(), 8u);
    for (const auto& s : c.samples) disturbed += s.disturbed;
  }
  EXPECT_EQ(disturbed, 1u);
}

TEST(Reader, PlainGoogleBenchmarkConvertsUnits) {
  const ResultsFile f = read_results(fixture("gbench_base.json"));
  EXPECT_FALSE(f.lfbench);
  ASSERT_EQ(f.cells.size(), 2u);
  EXPECT_NEAR(f.cells[0].samples[2].ns, 1500, 1e-9);  // 1.5 us
  // A file with aggregates only still has its median.
  const ResultsFile agg = parse(R"({"benchmarks":[{"name":"BM_x_median","run_name":"BM_x","run_type":"aggregate",
      "aggregate_name":"median","real_time":7,"time_unit":"ns"}]})");
  ASSERT_EQ(agg.cells.size(), 1u);
  EXPECT_EQ(agg.cells[0].ns(), std::vector<double>{7});
  // An error entry is a failed cell, whatever its time.
  const ResultsFile err = parse(R"({"benchmarks":[{"name":"BM_y","run_name":"BM_y","run_type":"iteration",
      "real_time":0,"error_occurred":true,"error_message":"boom"}]})");
  ASSERT_EQ(err.cells.size(), 1u);
  EXPECT_FALSE(err.cells[0].verified);
  EXPECT_EQ(err.cells[0].verification_detail, "boom");
}

TEST(Reader, FlagsAndFailures) {
  json doc = json::parse(test::slurp(fixture("base.json")));
  doc["context"]["lfbench_incomplete"] = true;
  for (auto& e : doc["benchmarks"]) {
    const std::string prim = e["lfbench"]["primitive"];
    if (prim == "std_mutex") e["lfbench"]["flags"] = {"disturbed", "incomplete"};
    else e["lfbench"]["flags"] = {"hung", "invalid"};
  }
  const ResultsFile f = parse(doc.dump());
  EXPECT_TRUE(f.incomplete);
  EXPECT_TRUE(f.cells[0].disturbed);
  EXPECT_TRUE(f.cells[0].incomplete);
  EXPECT_TRUE(f.cells[0].verified);
  EXPECT_FALSE(f.cells[2].verified);
  EXPECT_EQ(f.cells[2].verification_detail, "worker hung");
}

// Each bad input: BadInput with one line naming the file.
void expect_bad(const std::string& text, const std::string& needle) {
  try {
    parse(text);
    ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  } catch (const BadInput& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("f.json"), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

// A schema-valid lfbench file of one entry (cell s/p/threads:1) whose real_time is the given
// JSON text; `twice` repeats the entry (a duplicate repetition).
std::string one_entry(const std::string& real_time, bool twice = false) {
  json doc = json::parse(test::slurp(fixture("base.json")));
  json e = doc["benchmarks"][0];
  e["real_time"] = "@REAL_TIME@";
  e["lfbench"]["id"] = "s/p/threads:1";
  e["lfbench"]["scenario"] = "s";
  e["lfbench"]["primitive"] = "p";
  doc["benchmarks"] = twice ? json::array({e, e}) : json::array({e});
  std::string text = doc.dump();
  for (auto at = text.find("\"@REAL_TIME@\""); at != std::string::npos; at = text.find("\"@REAL_TIME@\""))
    text.replace(at, 13, real_time);
  return text;
}

TEST(Reader, BadInputs) {
  expect_bad("", "empty");
  expect_bad("  \n", "empty");
  expect_bad(R"({"benchmarks":[{"name":"x","real_time":)", "not valid JSON");
  expect_bad("[1,2,3]", "not a results file");
  expect_bad(R"({"benchmarks":{}})", "not a results file");
  expect_bad(R"({"context":{"lfbench_schema_version":2},"benchmarks":[]})", "schema_version 2");
  expect_bad(R"({"context":{"lfbench_schema_version":"1"},"benchmarks":[]})", "schema_version");
  expect_bad(one_entry("null"), "real_time is null");
  expect_bad(one_entry("-3"), "real_time is -3");
  expect_bad(one_entry("0"), "real_time is 0");
  expect_bad(one_entry("1e300"), "real_time");
  expect_bad(one_entry("2e12"), "real_time");
  expect_bad(one_entry("5", true), "duplicate cell 's/p/threads:1'");
  // An lfbench file must validate against reports/results.schema.json, like the report's reader.
  expect_bad(R"({"context":{"lfbench_schema_version":1},"benchmarks":[{"real_time":1}]})", "is required (reports/results.schema.json)");
  expect_bad(R"({"benchmarks":[{"real_time":1}]})", "no run_name");
  expect_bad(R"({"benchmarks":[{"name":"x","real_time":1,"time_unit":"ks"}]})", "time_unit");
  expect_bad(R"({"benchmarks":[]})", "no benchmark entries");
  expect_bad(std::string(100, '[') + std::string(100, ']'), "nested");
}

TEST(Reader, BadAbFiles) {
  const json good = json::parse(test::slurp(fixture("ab.json")));
  EXPECT_NO_THROW(parse(good.dump()));
  json doc = good;
  doc["benchmarks"][1]["lfbench"]["build"] = "base";  // now base has repetition 0 twice
  expect_bad(doc.dump(), "duplicate cell 'counter/std_mutex/read_pct:0/threads:1' of build 'base' repetition 0");
  doc = good;
  doc["benchmarks"][0]["lfbench"].erase("build");
  expect_bad(doc.dump(), "benchmarks[0].lfbench has no \"build\"");
  doc = good;
  doc["benchmarks"][0]["lfbench"]["build"] = "other";
  expect_bad(doc.dump(), "lfbench.build 'other' is not a build of this file; allowed: base, head");
  doc = good;
  doc["context"]["lfbench_ab"]["builds"][1]["name"] = "base";
  expect_bad(doc.dump(), "names 'base' twice");
  doc = good;
  doc["context"].erase("lfbench_ab");
  expect_bad(doc.dump(), "lfbench.build 'base' outside an A/B file");
  doc = good;
  doc["context"]["lfbench_ab"]["builds"].erase(1);
  expect_bad(doc.dump(), "reports/results.schema.json");  // exactly two builds
}

TEST(Reader, MissingFile) {
  try {
    read_results("/nonexistent/x.json");
    ADD_FAILURE();
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.json: no such results file"), std::string::npos);
  }
}

// Inputs the fuzzer once crashed on: each must now be answered by BadInput or a model.
TEST(Reader, FuzzRegressionsDoNotCrash) {
  const char* dir = std::getenv("LFBENCH_FUZZ_REGRESSIONS");
  if (!dir || !fs::is_directory(dir)) GTEST_SKIP() << "no fuzz_regressions directory";
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "README") continue;
    try {
      parse_results(test::slurp(e.path()), e.path().string());
    } catch (const BadInput&) {
    }
  }
}

// ---- output formats ----

// Tags of a small XML document, checked for nesting and for markup characters where only
// escapes may be: enough to say a CI's JUnit reader will parse it.
void expect_well_formed_xml(const std::string& x, std::map<std::string, int>* counts = nullptr) {
  ASSERT_TRUE(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")) << x;
  std::vector<std::string> open;
  std::size_t i = x.find('\n') + 1;
  while (i < x.size()) {
    const std::size_t lt = x.find('<', i);
    const std::string text = x.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    EXPECT_EQ(text.find('>'), std::string::npos) << text;
    for (std::size_t amp = text.find('&'); amp != std::string::npos; amp = text.find('&', amp + 1))
      EXPECT_TRUE(text.compare(amp, 5, "&amp;") == 0 || text.compare(amp, 4, "&lt;") == 0 ||
                  text.compare(amp, 4, "&gt;") == 0 || text.compare(amp, 6, "&quot;") == 0 ||
                  text.compare(amp, 6, "&apos;") == 0)
          << text;
    if (lt == std::string::npos) break;
    // A tag ends at the first '>' outside quotes; attribute values hold no raw '<' or '"'.
    std::size_t j = lt + 1;
    bool quoted = false;
    for (; j < x.size() && (quoted || x[j] != '>'); ++j) {
      if (x[j] == '"') quoted = !quoted;
      if (quoted) {
        EXPECT_NE(x[j], '<') << x.substr(lt, 80);
      }
    }
    ASSERT_LT(j, x.size()) << "unterminated tag";
    const std::string tag = x.substr(lt + 1, j - lt - 1);
    const bool closing = tag.starts_with("/"), empty = tag.ends_with("/");
    const std::string name = tag.substr(closing, tag.find_first_of(" /", closing) - closing);
    if (counts && !closing) ++(*counts)[name];
    if (closing) {
      ASSERT_FALSE(open.empty()) << tag;
      EXPECT_EQ(open.back(), name);
      open.pop_back();
    } else if (!empty) {
      open.push_back(name);
    }
    i = j + 1;
  }
  EXPECT_TRUE(open.empty());
}

TEST(Render, JunitIsWellFormedWithOneTestcasePerCell) {
  const Comparison c = compare_ab(read_results(fixture("ab.json")), {});
  std::map<std::string, int> counts;
  expect_well_formed_xml(render(c, "junit", false), &counts);
  EXPECT_EQ(counts["testsuites"], 1);
  EXPECT_EQ(counts["testsuite"], 1);
  EXPECT_EQ(counts["testcase"], 4);
  EXPECT_EQ(counts["failure"], 1);  // the slower cell
  const std::string x = render(c, "junit", false);
  EXPECT_NE(x.find("<testsuites name=\"lfbench compare\""), std::string::npos);
  EXPECT_NE(x.find("classname=\"counter\" name=\"counter/atomic_relaxed/read_pct:0/threads:2\""), std::string::npos);
}

TEST(Render, MarkupInNamesIsEscaped) {
  // Plain Google Benchmark names may hold anything.
  const std::string odd = R"(BM_x<"a&b'>|c)";
  json doc = {{"benchmarks", json::array()}};
  for (int i = 0; i < 5; ++i) {
    doc["benchmarks"].push_back({{"name", odd}, {"run_name", odd}, {"repetition_index", i}, {"real_time", 10 + i}});
    doc["benchmarks"].push_back({{"name", "BM_y"}, {"run_name", "BM_y"}, {"repetition_index", i}, {"real_time", 10 + i}});
  }
  const ResultsFile base = parse(doc.dump());
  json slower = doc;
  for (auto& e : slower["benchmarks"]) e["real_time"] = e["real_time"].get<double>() * 2;
  const Comparison c = compare::compare(base, parse(slower.dump()), {});
  std::map<std::string, int> counts;
  const std::string x = render(c, "junit", false);
  expect_well_formed_xml(x, &counts);
  EXPECT_EQ(counts["failure"], 2);
  EXPECT_NE(x.find("name=\"BM_x&lt;&quot;a&amp;b&apos;&gt;|c\""), std::string::npos) << x;
  const std::string md = render(c, "md", false);
  EXPECT_NE(md.find(R"(`BM_x<"a&b'>\|c`)"), std::string::npos) << md;
}

TEST(Render, MarkdownListsOnlyCellsThatAreNotSame) {
  const Comparison c = compare_ab(read_results(fixture("ab.json")), {});
  const std::string md = render(c, "md", false);
  EXPECT_NE(md.find("### lfbench compare: **1 regression: counter/atomic_relaxed/read_pct:0/threads:2**"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| **slower** | `counter/atomic_relaxed/read_pct:0/threads:2` |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| same |"), std::string::npos) << md;
  EXPECT_EQ(md.find("counter/std_mutex/read_pct:0/threads:1"), std::string::npos) << md;
  EXPECT_NE(md.find("3 cells same."), std::string::npos) << md;
  EXPECT_NE(md.find("alpha 0.05, threshold 5%, Benjamini-Hochberg, 90% CI"), std::string::npos) << md;
}

TEST(Render, JsonHasEverythingPerCell) {
  const Comparison c = compare_ab(read_results(fixture("ab.json")), {});
  const json doc = json::parse(render(c, "json", false));
  EXPECT_EQ(doc["mode"], "ab");
  EXPECT_EQ(doc["exit_code"], 1);
  EXPECT_EQ(doc["counts"]["slower"], 1);
  EXPECT_EQ(doc["counts"]["same"], 3);
  EXPECT_EQ(doc["options"]["threshold_pct"], 5);
  EXPECT_EQ(doc["options"]["correction"], "bh");
  ASSERT_EQ(doc["cells"].size(), 4u);
  const json& disturbed = doc["cells"][1];
  EXPECT_EQ(disturbed["pairs"], 7);
  EXPECT_EQ(disturbed["pairs_dropped"], 1);
  for (const char* k : {"verdict", "ratio", "ci_low", "ci_high", "p_slower", "p_faster", "p_same", "q", "note"})
    EXPECT_TRUE(disturbed.contains(k)) << k;
  EXPECT_TRUE(disturbed["q"].is_number());
}

TEST(Render, HeadlineCountsTheVerdicts) {
  std::vector<AbCell> cells = aa_cells(3);
  cells.resize(5);
  cells.push_back({"counter/fast/threads:1", pairs(8, 0.7)});
  cells.push_back({"counter/few/threads:1", pairs(3, 1.0)});
  const Comparison c = ab(cells);
  EXPECT_EQ(c.exit_code(), 4);
  const std::string text = render(c, "text", false);
  EXPECT_NE(text.find("no regression: 6 of 7 cells judged (5 same, 1 faster), 1 inconclusive"), std::string::npos)
      << text;
}

TEST(AbVerdict, ReasonsAreTheTrueOnes) {
  // A tight cell (5 pairs within +-0.5%) among cells whose intervals straddle the threshold: its
  // own interval lies inside the threshold, but 5 pairs' smallest p (1/32) does not survive
  // Benjamini-Hochberg over 10 cells. It says so, not "spread could hide a change".
  std::vector<AbCell> cells = {{kCell, pairs(5, 1.0)}};
  for (int i = 0; i < 9; ++i) cells.push_back({"counter/wide" + std::to_string(i) + "/threads:2", pairs(8, 1.05, 0.04)});
  const Comparison c = ab(cells);
  const Row& tight = c.rows[0];
  EXPECT_EQ(tight.verdict, Verdict::inconclusive);
  EXPECT_NE(tight.note.find("lies within the threshold"), std::string::npos) << tight.note;
  EXPECT_NE(tight.note.find("over 10 cells"), std::string::npos) << tight.note;
  EXPECT_NE(tight.note.find("more would decide it"), std::string::npos) << tight.note;
  EXPECT_EQ(tight.note.find("spread could hide"), std::string::npos) << tight.note;
  // Alone, the same cell is decided: the reason was the family, not its spread.
  EXPECT_EQ(ab({{kCell, pairs(5, 1.0)}}).rows[0].verdict, Verdict::same);
  for (std::size_t i = 1; i < c.rows.size(); ++i)
    EXPECT_NE(c.rows[i].note.find("spread could hide"), std::string::npos) << c.rows[i].note;
}

TEST(AbVerdict, MinimumDetectableEffectIsThresholdPlusHalfTheInterval) {
  const Comparison c = ab({{kCell, pairs(8, 1.05, 0.04)}, {kCell2, pairs(8, 1.0, 0.002)}});
  for (const Row& r : c.rows) {
    ASSERT_TRUE(r.mde && r.ci_low && r.ci_high) << r.id;
    const double half = (std::log(*r.ci_high) - std::log(*r.ci_low)) / 2;
    EXPECT_NEAR(*r.mde, std::expm1(std::log1p(kThresholdAB) + half), 1e-12) << r.id;
  }
  EXPECT_GT(*c.rows[0].mde, *c.rows[1].mde);  // the noisier cell could only have seen a larger change
  EXPECT_FALSE(ab({{kCell, pairs(4, 1.5)}}).rows[0].mde);  // untested: no test could call anything
  const json doc = json::parse(render(c, "json", false));
  EXPECT_TRUE(doc["cells"][0]["mde"].is_number());
  EXPECT_NE(render(c, "md", false).find("| mde |"), std::string::npos);
}

// ---- the binary ----

using test::Sandbox;

TEST(CompareCli, IdenticalRunsAreAllSame) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("base.json"), fixture("base.json"), "--format", "json"});
  ASSERT_EQ(o.code, 0) << o.err;
  const json doc = json::parse(o.out);
  ASSERT_EQ(doc["cells"].size(), 4u);
  for (const auto& c : doc["cells"]) EXPECT_EQ(c["verdict"], "same") << c.dump();
  EXPECT_EQ(doc["mode"], "files");
}

TEST(CompareCli, TwentyPercentSlowerCellFailsNamingIt) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("base.json"), fixture("one_cell_20pct_slower.json")});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_NE(o.out.find("1 regression: counter/atomic_relaxed/read_pct:0/threads:2"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("\033["), std::string::npos) << "coloured although stdout is not a terminal";
  const auto md = sb.run({"compare", fixture("base.json"), fixture("one_cell_20pct_slower.json"), "-f", "md"});
  EXPECT_EQ(md.code, 1);
  EXPECT_NE(md.out.find("| **slower** | `counter/atomic_relaxed/read_pct:0/threads:2`"), std::string::npos) << md.out;
}

TEST(CompareCli, ThreePercentIsBelowTheThreshold) {
  Sandbox sb;
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), fixture("all_3pct_slower.json"), "--threshold", "5"}).code, 0);
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), fixture("all_3pct_slower.json"), "--threshold", "2"}).code, 1);
}

TEST(CompareCli, RelativeModeWithEverythingThirtyPercentSlower) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("base.json"), fixture("all_30pct_slower.json"), "--relative-to", "std_mutex"});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), fixture("all_30pct_slower.json")}).code, 1);
}

TEST(CompareCli, PlainGoogleBenchmarkFiles) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("gbench_base.json"), fixture("gbench_pop_20pct_slower.json")});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_NE(o.out.find("1 regression: BM_pop/64"), std::string::npos) << o.out;
  const auto f = sb.run({"compare", fixture("gbench_base.json"), fixture("gbench_pop_20pct_slower.json"), "--filter", "push"});
  EXPECT_EQ(f.code, 0) << f.out;
}

TEST(CompareCli, AbFileAlone) {
  Sandbox sb;
  const auto o = sb.run({"compare", fixture("ab.json")});
  EXPECT_EQ(o.code, 1) << o.err;
  EXPECT_NE(o.out.find("(A/B): head (/builds/head/lfbench) vs base (/builds/base/lfbench)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("1 regression: counter/atomic_relaxed/read_pct:0/threads:2"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("1 pair left out"), std::string::npos) << o.out;
  const auto junit = sb.run({"compare", fixture("ab.json"), "-f", "junit"});
  EXPECT_EQ(junit.code, 1);
  expect_well_formed_xml(junit.out);
}

TEST(CompareCli, ExitCodesZeroOneFour) {
  Sandbox sb;
  // 0: every cell judged, nothing slower.
  test::spit(sb / "aa.json", ab_doc(aa_cells(5)).dump());
  EXPECT_EQ(sb.run({"compare", "aa.json"}).code, 0);
  // 1: a regression (and a missing cell: 1 unless allowed).
  EXPECT_EQ(sb.run({"compare", fixture("ab.json")}).code, 1);
  json missing = json::parse(test::slurp(fixture("base.json")));
  json kept = json::array();
  for (const auto& e : missing["benchmarks"])
    if (e["lfbench"]["id"] != "counter/std_mutex/read_pct:0/threads:1") kept.push_back(e);
  missing["benchmarks"] = kept;
  test::spit(sb / "missing.json", missing.dump());
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), "missing.json"}).code, 1);
  const auto allowed = sb.run({"compare", fixture("base.json"), "missing.json", "--allow-missing"});
  EXPECT_EQ(allowed.code, 0) << allowed.out;
  EXPECT_NE(allowed.out.find("1 missing from new (allowed)"), std::string::npos) << allowed.out;
  // 4: a cell doubled but flagged noisy is not judged: never exit 0.
  json noisy = json::parse(test::slurp(fixture("base.json")));
  for (auto& e : noisy["benchmarks"])
    if (e["lfbench"]["id"] == "counter/std_mutex/read_pct:0/threads:2") {
      e["real_time"] = e["real_time"].get<double>() * 2;
      e["lfbench"]["flags"] = {"noisy"};
    }
  test::spit(sb / "noisy.json", noisy.dump());
  const auto n = sb.run({"compare", fixture("base.json"), "noisy.json"});
  EXPECT_EQ(n.code, 4) << n.out;
  EXPECT_NE(n.out.find("no regression: 3 of 4 cells judged (3 same), 1 inconclusive"), std::string::npos) << n.out;
  EXPECT_EQ(sb.run({"compare", fixture("base.json"), "noisy.json", "--max-inconclusive", "25"}).code, 0);
  // 4: an incomplete new file, every cell otherwise fine.
  json incomplete = json::parse(test::slurp(fixture("base.json")));
  incomplete["context"]["lfbench_incomplete"] = true;
  test::spit(sb / "incomplete.json", incomplete.dump());
  const auto i = sb.run({"compare", fixture("base.json"), "incomplete.json", "--max-inconclusive", "100"});
  EXPECT_EQ(i.code, 4) << i.out;
  EXPECT_NE(i.out.find("interrupted run"), std::string::npos) << i.out;
}

TEST(CompareCli, SeveralBases) {
  Sandbox sb;
  const auto o = sb.run({"compare", "--base", fixture("base.json"), "--base", fixture("all_3pct_slower.json"),
                         fixture("one_cell_20pct_slower.json"), "-f", "json"});
  EXPECT_EQ(o.code, 1) << o.err;
  const json doc = json::parse(o.out);
  EXPECT_EQ(doc["base"].size(), 2u);
  EXPECT_EQ(doc["cells"][0]["n_base"], 10);
  EXPECT_EQ(doc["counts"]["slower"], 1);
}

TEST(CompareCli, OutputFileIsWrittenAtomicallyAndNeverOverwrittenWithoutForce) {
  Sandbox sb;
  const auto w = sb.run({"compare", fixture("ab.json"), "-f", "md", "-o", "report.md"});
  EXPECT_EQ(w.code, 1) << w.err;
  EXPECT_TRUE(w.out.empty());
  EXPECT_NE(test::slurp(sb / "report.md").find("### lfbench compare"), std::string::npos);
  const auto again = sb.run({"compare", fixture("ab.json"), "-o", "report.md"});
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(again.err_lines(), 1) << again.err;
  EXPECT_NE(test::slurp(sb / "report.md").find("### lfbench compare"), std::string::npos) << "kept";
  EXPECT_EQ(sb.run({"compare", fixture("ab.json"), "-o", "report.md", "--force", "-f", "junit"}).code, 1);
  EXPECT_TRUE(test::slurp(sb / "report.md").starts_with("<?xml"));
  for (const auto& f : sb.files()) EXPECT_TRUE(f.ends_with("/report.md")) << "left behind: " << f;
}

TEST(CompareCli, EnvironmentMismatchIsStatedAndCanBeRefused) {
  Sandbox sb;
  json doc = json::parse(test::slurp(fixture("base.json")));
  doc["context"]["lfbench_cpu_model"] = "Other CPU";
  std::ofstream(sb / "other.json") << doc.dump();
  const auto o = sb.run({"compare", fixture("base.json"), (sb / "other.json").string()});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("environment differs: lfbench_cpu_model"), std::string::npos) << o.out;
  const auto r = sb.run({"compare", fixture("base.json"), (sb / "other.json").string(), "--require-same-env"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err_lines(), 1) << r.err;
}

TEST(CompareCli, HelpStatesTheExitCodes) {
  Sandbox sb;
  const auto h = sb.run({"compare", "--help"});
  EXPECT_EQ(h.code, 0);
  for (const char* s : {"--base", "--correction", "--max-inconclusive", "--allow-missing", "junit", "--output", "4 no regression"})
    EXPECT_NE(h.out.find(s), std::string::npos) << s;
}

TEST(CompareCli, BadInputIsOneLineAndExitTwo) {
  Sandbox sb;
  std::ofstream(sb / "empty.json") << "";
  std::ofstream(sb / "truncated.json") << test::slurp(fixture("base.json")).substr(0, 300);
  std::ofstream(sb / "shape.json") << R"({"results": []})";
  std::ofstream(sb / "nan.json") << one_entry("null");
  std::ofstream(sb / "exists.md") << "keep";
  json disjoint = json::parse(test::slurp(fixture("base.json")));
  for (auto& b : disjoint["benchmarks"]) b["lfbench"]["id"] = b["lfbench"]["id"].get<std::string>() + "x";
  std::ofstream(sb / "disjoint.json") << disjoint.dump();
  const std::string base = fixture("base.json"), abf = fixture("ab.json");
  const std::vector<std::vector<std::string>> cases = {
      {"compare", base, "missing.json"},
      {"compare", base, "empty.json"},
      {"compare", base, "truncated.json"},
      {"compare", base, "shape.json"},
      {"compare", base, "nan.json"},
      {"compare", base, "disjoint.json"},
      {"compare", base, base, "--format", "xml"},
      {"compare", base, base, "--correction", "bonferroni"},
      {"compare", base, base, "--filter", "("},
      {"compare", base, base, "--alpha", "2"},
      {"compare", base, base, "--max-inconclusive", "101"},
      {"compare", base, base, "--relative-to", "nope"},
      {"compare", base, base, "-o", "exists.md"},
      {"compare", base, base, "-o", "nodir/x.md"},
      {"compare", base},                              // not an A/B file: needs a base
      {"compare", base, abf},                         // an A/B file in two-file mode
      {"compare", "--base", abf, base},
      {"compare", abf, "--relative-to", "std_mutex"},
      {"compare", abf, "--aa", abf, "--threshold", "5"},  // the A/A file sets the thresholds
      {"compare", abf, "--aa", abf},                     // the A/B file as its own A/A
      {"compare", base, base, "--aa", abf},              // A/B files only
      {"compare", abf, "--aa", base},                    // not an A/A (A/B) file
      {"compare", abf, "--aa", "missing.json"},
      {"compare", base, base, base}};
  for (const auto& args : cases) {
    const auto o = sb.run(args);
    EXPECT_EQ(o.code, 2) << args.back() << ": " << o.err;
    EXPECT_EQ(o.err_lines(), 1) << args.back() << ": " << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
  }
  EXPECT_EQ(test::slurp(sb / "exists.md"), "keep");
}

TEST(CompareCli, TwoRealRunsCompareAndListEveryCell) {
  Sandbox sb;
  const std::vector<std::string> run = {"run", "counter", "--primitive", "std_mutex,atomic_relaxed", "--threads", "1",
                                        "--duration", "20ms", "--repetitions", "5", "--warmup", "0s", "--quiet", "-o"};
  auto a = run, b = run;
  a.push_back("a.json");
  b.push_back("b.json");
  ASSERT_EQ(sb.run(a).code, 0);
  ASSERT_EQ(sb.run(b).code, 0);
  const auto o = sb.run({"compare", "a.json", "b.json", "--format", "json"});
  EXPECT_TRUE(o.code == 0 || o.code == 1 || o.code == 4) << o.code << o.err;
  const json doc = json::parse(o.out);
  EXPECT_EQ(doc["exit_code"], o.code);
  std::set<std::string> ids;
  for (const auto& c : doc["cells"]) ids.insert(c["id"].get<std::string>());
  const json results = json::parse(test::slurp(sb / "a.json"));
  std::set<std::string> expected;
  for (const auto& e : results["benchmarks"]) expected.insert(e["lfbench"]["id"].get<std::string>());
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(expected.size(), 4u);  // 2 primitives x read_pct 0,10
}

}  // namespace
}  // namespace lfbench::compare
