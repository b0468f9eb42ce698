// detail:: pieces shared by the prometheus-cpp recorders (prometheus_counter, prometheus_gauge,
// prometheus_histogram). Every metric is made the way an application makes it: built by the
// library's builder and registered in a prometheus::Registry the recorder owns.
//
// PrometheusExtremes: prometheus has no min or max metric, and a Gauge has no compare-and-set
// (only Set, Increment and Value), so two threads that each read Value() and Set() a new
// maximum can lose the larger one. Composed as a user would make it correct: Value() as a
// lock-free filter (after the first records nearly every value is no new extreme), and a new
// extreme re-checked and Set() under a mutex.
//
// PrometheusMetricRecorder<F, Tag>: count, sum and (histogram fields) one metric per lfbench
// bucket, all of Tag's metric type (Counter or Gauge) and Increment()ed; min and max as
// PrometheusExtremes. A Counter is a Gauge inside (a std::atomic<double> added by a
// compare_exchange loop), so both ids should measure alike: a check, not a choice.
// Counts are doubles in prometheus, exact up to 2^53.
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_PROMETHEUS

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <cmath>
#include <mutex>
#include <string>

#include "../concepts.hpp"

namespace lfbench::prim::detail {

class PrometheusExtremes {
 public:
  explicit PrometheusExtremes(prometheus::Registry& registry)
      : min_(prometheus::BuildGauge().Name("lfbench_record_min").Register(registry).Add({}, Recorded{}.min)),
        max_(prometheus::BuildGauge().Name("lfbench_record_max").Register(registry).Add({}, Recorded{}.max)) {}

  void record(double v) {
    if (v < min_.Value()) set_if(min_, v, [](double a, double b) { return a < b; });
    if (v > max_.Value()) set_if(max_, v, [](double a, double b) { return a > b; });
  }
  double min() const { return min_.Value(); }
  double max() const { return max_.Value(); }

 private:
  template <class Better>
  [[gnu::noinline]] void set_if(prometheus::Gauge& g, double v, Better better) {
    std::scoped_lock lock(m_);
    if (better(v, g.Value())) g.Set(v);
  }

  prometheus::Gauge& min_;
  prometheus::Gauge& max_;
  std::mutex m_;
};

// Tags: which metric type a PrometheusMetricRecorder is made of.
struct PrometheusCounterTag {
  using Metric = prometheus::Counter;
  static constexpr std::string_view name = "prometheus_counter";
  static auto builder() { return prometheus::BuildCounter(); }
};
struct PrometheusGaugeTag {
  using Metric = prometheus::Gauge;
  static constexpr std::string_view name = "prometheus_gauge";
  static auto builder() { return prometheus::BuildGauge(); }
};

template <Fields F, class Tag>
class PrometheusMetricRecorder {
  using Metric = typename Tag::Metric;

 public:
  static constexpr std::string_view name = Tag::name;
  static constexpr Traits traits{.progress = has_extremes(F) ? Progress::blocking : Progress::lock_free,
                                 .library = "prometheus-cpp",
                                 .tsan_blind = "its atomics are in libprometheus-cpp-core, which is not instrumented"};
  static constexpr Fields fields = F;

  PrometheusMetricRecorder() {
    if constexpr (has_buckets(F)) {
      auto& family = Tag::builder().Name("lfbench_record_bucket").Register(registry_);
      for (unsigned i = 0; i < kRecorderBuckets; ++i) buckets_[i] = &family.Add({{"bucket", std::to_string(i)}});
    }
  }
  PrometheusMetricRecorder(const PrometheusMetricRecorder&) = delete;
  PrometheusMetricRecorder& operator=(const PrometheusMetricRecorder&) = delete;

  void record(double v) {
    count_.Increment();
    sum_.Increment(v);
    if constexpr (has_extremes(F)) extremes_.record(v);
    if constexpr (has_buckets(F)) buckets_[recorder_bucket(v)]->Increment();
  }

  Recorded snapshot() const {
    Recorded r;
    r.count = static_cast<std::uint64_t>(count_.Value());
    r.sum = sum_.Value();
    if constexpr (has_extremes(F)) {
      r.min = extremes_.min();
      r.max = extremes_.max();
    }
    if constexpr (has_buckets(F))
      for (unsigned i = 0; i < kRecorderBuckets; ++i) r.buckets[i] = static_cast<std::uint64_t>(buckets_[i]->Value());
    return r;
  }

 private:
  prometheus::Registry registry_;
  Metric& count_ = Tag::builder().Name("lfbench_records").Register(registry_).Add({});
  Metric& sum_ = Tag::builder().Name("lfbench_record_sum").Register(registry_).Add({});
  std::array<Metric*, has_buckets(F) ? kRecorderBuckets : 0> buckets_{};
  PrometheusExtremes extremes_{registry_};
};

}  // namespace lfbench::prim::detail

#endif  // LFBENCH_HAVE_PROMETHEUS
