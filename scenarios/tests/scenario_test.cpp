// The registry: every scenario file is registered (its cell header offered primitives and
// installed), every scenario's declarations are coherent (unique ids, default sweeps inside
// their ranges, op kinds within the harness's limit), and a user's primitives and templates,
// registered as a user does (LFBENCH_PRIMITIVE), join every scenario of their kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>

#include "lfbench.hpp"
#include "lfbench_config.h"
#include "scenarios/harness/scenario.hpp"

namespace lfbench {
namespace {

TEST(Registry, EveryScenarioFileIsRegisteredUnderItsFileName) {
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(LFBENCH_SOURCE_DIR) / "scenarios"))
    if (e.path().extension() == ".cpp") files.insert(e.path().stem().string());
  ASSERT_FALSE(files.empty());
  std::set<std::string> registered;
  for (const auto& s : scenarios()) registered.insert(s.id);
  EXPECT_EQ(files, registered) << "a scenario .cpp is missing from scenarios/meson.build, or registers another id";
}

// A scenario with a cell header takes primitives through scenarios/register.hpp (register_primitive
// and register_primitive_template visit it) and installs the header (the top meson.build).
TEST(Registry, EveryScenarioHeaderIsOfferedPrimitivesAndInstalled) {
  const auto root = std::filesystem::path(LFBENCH_SOURCE_DIR);
  const auto slurp = [](const std::filesystem::path& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  const std::string entry = slurp(root / "scenarios" / "register.hpp"), build = slurp(root / "meson.build");
  for (const auto& s : scenarios()) {
    if (!std::filesystem::exists(root / "scenarios" / (s.id + ".hpp"))) continue;
    EXPECT_NE(entry.find("scenario::" + s.id + "::offer"), std::string::npos) << s.id << " is not in scenarios/register.hpp";
    EXPECT_NE(build.find("'scenarios/" + s.id + ".hpp'"), std::string::npos) << s.id << ".hpp is not installed";
  }
}

TEST(Registry, DeclarationsAreCoherent) {
  for (const auto& s : scenarios()) {
    SCOPED_TRACE(s.id);
    EXPECT_FALSE(s.summary.empty());
    EXPECT_FALSE(s.primitives.empty());
    EXPECT_LE(s.op_kinds.size(), kMaxOpKinds);
    EXPECT_GE(s.batch, 1u);
    std::set<std::string> ids;
    for (const auto& p : s.primitives) {
      EXPECT_TRUE(ids.insert(p.id).second) << "duplicate primitive id " << p.id;
      EXPECT_TRUE(p.make) << p.id;
      for (const auto& ig : p.ignores) EXPECT_NE(s.param(ig), nullptr) << p.id << " ignores unknown " << ig;
    }
    for (const auto& p : s.params) {
      SCOPED_TRACE(p.name);
      EXPECT_FALSE(p.help.empty());
      EXPECT_FALSE(p.default_sweep.empty());
      for (const auto& v : p.default_sweep) {
        if (p.is_int()) {
          const auto n = std::stoll(v);
          EXPECT_GE(n, p.min);
          EXPECT_LE(n, p.max);
        } else {
          EXPECT_NE(std::find(p.choices.begin(), p.choices.end(), v), p.choices.end()) << v;
        }
      }
    }
  }
}

// What a scenario declares for the report (context.lfbench_scenarios) names its own primitives,
// op kinds and metrics' forms: a typo would silently draw nothing.
TEST(Registry, ReportDeclarationsNameWhatTheScenarioHas) {
  for (const auto& s : scenarios()) {
    SCOPED_TRACE(s.id);
    for (const auto& b : s.baselines) EXPECT_NE(s.primitive(b), nullptr) << "baseline " << b << " is not a primitive";
    const auto has_kind = [&](const std::string& k) {
      return std::find(s.op_kinds.begin(), s.op_kinds.end(), k) != s.op_kinds.end();
    };
    for (const auto& m : s.measures) {
      SCOPED_TRACE(m.key);
      EXPECT_FALSE(m.title.empty());
      const auto colon = m.key.find(':');
      ASSERT_NE(colon, std::string::npos);
      const std::string form = m.key.substr(0, colon), rest = m.key.substr(colon + 1);
      if (form == "op") EXPECT_TRUE(has_kind(rest));
      else if (form == "lat") EXPECT_TRUE(has_kind(rest.substr(0, rest.find(':'))) && rest.find(':') != std::string::npos);
      else EXPECT_TRUE(form == "m" && !rest.empty());
    }
  }
}

// A user's primitives, registered the way a user registers them: no traits, nothing but the
// members of their concept and a name.
class UserLock {
 public:
  static constexpr std::string_view name = "user_test_lock";
  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }
  bool try_lock() { return m_.try_lock(); }

 private:
  std::mutex m_;
};
LFBENCH_PRIMITIVE(UserLock);

class UserCounter {
 public:
  static constexpr std::string_view name = "user_test_counter";
  void add(std::uint64_t n) { v_.fetch_add(n); }
  std::uint64_t read() const { return v_.load(); }

 private:
  std::atomic<std::uint64_t> v_{0};
};
LFBENCH_PRIMITIVE(UserCounter);

// Templates over a value (a queue, a snapshot) and over Fields (a recorder): each scenario
// instantiates them with its own type.
template <class V>
class UserQueue {
 public:
  using value_type = V;
  static constexpr std::string_view name = "user_test_queue";
  bool try_push(const V& v) {
    std::scoped_lock g(m_);
    d_.push_back(v);
    return true;
  }
  bool try_pop(V& v) {
    std::scoped_lock g(m_);
    if (d_.empty()) return false;
    v = d_.front();
    d_.pop_front();
    return true;
  }

 private:
  std::mutex m_;
  std::deque<V> d_;
};
LFBENCH_PRIMITIVE_TEMPLATE(UserQueue);

template <class V>
class UserSnapshot {
 public:
  using value_type = V;
  static constexpr std::string_view name = "user_test_snapshot";
  template <class F>
  auto read(F&& f) {
    std::scoped_lock g(m_);
    return f(std::as_const(v_));
  }
  template <class F>
  void update(F&& f) {
    std::scoped_lock g(m_);
    f(v_);
  }

 private:
  std::mutex m_;
  V v_{};
};
LFBENCH_PRIMITIVE_TEMPLATE(UserSnapshot);

template <prim::Fields F>
class UserRecorder {
 public:
  static constexpr std::string_view name = "user_test_recorder";
  static constexpr prim::Fields fields = F;
  void record(double v) {
    std::scoped_lock g(m_);
    ++r_.count;
    r_.sum += v;
    if constexpr (prim::has_extremes(F)) {
      r_.min = std::min(r_.min, v);
      r_.max = std::max(r_.max, v);
    }
    if constexpr (prim::has_buckets(F)) ++r_.buckets[prim::recorder_bucket(v)];
  }
  prim::Recorded snapshot() {
    std::scoped_lock g(m_);
    return r_;
  }

 private:
  std::mutex m_;
  prim::Recorded r_;
};
LFBENCH_PRIMITIVE_TEMPLATE(UserRecorder);

TEST(Registry, AUsersTemplateJoinsTheScenariosOfItsKind) {
  for (const char* id : {"queue", "broker"}) EXPECT_NE(find_scenario(id)->primitive("user_test_queue"), nullptr) << id;
  EXPECT_EQ(find_scenario("cow")->primitive("user_test_queue"), nullptr) << "a Queue is no Snapshot";
  EXPECT_NE(find_scenario("cow")->primitive("user_test_snapshot"), nullptr);
  EXPECT_EQ(find_scenario("queue")->primitive("user_test_snapshot"), nullptr) << "a Snapshot is no Queue";
  ASSERT_NE(find_scenario("metrics")->primitive("user_test_recorder"), nullptr);
  EXPECT_EQ(find_scenario("metrics")->primitive("user_test_recorder")->kind, "Recorder");
}

TEST(Registry, AUsersPrimitiveJoinsEveryScenarioOfItsConcept) {
  for (const char* id : {"counter", "rwlock", "status"}) {
    const Scenario* s = find_scenario(id);
    ASSERT_NE(s, nullptr) << id;
    const PrimitiveEntry* p = s->primitive("user_test_lock");
    ASSERT_NE(p, nullptr) << "user_test_lock is not in " << id;
    EXPECT_EQ(p->traits.progress, prim::Progress::blocking) << "default traits";
    EXPECT_TRUE(p->traits.library.empty());
  }
  EXPECT_EQ(find_scenario("counter")->primitive("user_test_lock")->kind, "Lock");
  ASSERT_NE(find_scenario("counter")->primitive("user_test_counter"), nullptr);
  EXPECT_EQ(find_scenario("counter")->primitive("user_test_counter")->kind, "Counter");
  EXPECT_EQ(find_scenario("rwlock")->primitive("user_test_counter"), nullptr) << "a Counter is no lock";
  EXPECT_EQ(find_scenario("queue")->primitive("user_test_lock"), nullptr) << "a Lock is no queue";
}

TEST(Registry, TheBuiltInPrimitivesComeThroughTheSameRegistration) {
  // kinds.hpp's lists reach the scenarios by register_primitive (scenarios/builtin/primitives.cpp).
  for (const char* id : {"std_mutex", "ttas_spinlock", "std_shared_mutex", "seqlock"})
    EXPECT_NE(find_scenario("rwlock")->primitive(id), nullptr) << id;
  for (const char* id : {"std_mutex", "atomic_relaxed"}) EXPECT_NE(find_scenario("counter")->primitive(id), nullptr) << id;
}

TEST(Registry, FindsByIdAndSortsById) {
  ASSERT_NE(find_scenario("counter"), nullptr);
  EXPECT_EQ(find_scenario("no_such_scenario"), nullptr);
  for (std::size_t i = 1; i < scenarios().size(); ++i) EXPECT_LT(scenarios()[i - 1].id, scenarios()[i].id);
}

TEST(Params, TypedAccess) {
  Params p;
  p.set("read_pct", "90");
  p.set("skew", "zipf");
  p.set("read_pct", "50");  // replaces
  EXPECT_EQ(p.integer("read_pct"), 50);
  EXPECT_EQ(p.text("skew"), "zipf");
  EXPECT_TRUE(p.has("skew"));
  EXPECT_FALSE(p.has("shards"));
  EXPECT_EQ(p.items().size(), 2u);
  EXPECT_THROW(p.text("shards"), std::logic_error);
}

}  // namespace
}  // namespace lfbench
