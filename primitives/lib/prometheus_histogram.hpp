// prometheus-cpp's Histogram as an lfbench Recorder: Observe(v) per record (the library takes
// a mutex, adds the value to the sum and one to the value's bucket), Collect() per snapshot
// (under the same mutex: count, sum and buckets agree). For the counter fields too: counting
// requests and summing their sizes or latencies with one Histogram is common practice.
// Its bucket boundaries are lfbench's log buckets, each upper bound the largest double below
// the power of two (prometheus buckets are "<= bound", lfbench's "< 2^i"), so the buckets map
// one to one. Prometheus keeps no min or max: for the stats fields the adapter adds
// detail::PrometheusExtremes (two Gauges, Set under a mutex on a new extreme), outside the
// histogram's lock. Registered in a prometheus::Registry as an application would. Thin
// adapter: calls forwarded.
// Progress: blocking (the library's mutex).
// Ordering: the library's mutex; count, sum and buckets of a snapshot are consistent.
// Not for: hot paths on many cores (every Observe takes one mutex).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_PROMETHEUS

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cmath>

#include "../concepts.hpp"
#include "prometheus_metrics.hpp"

namespace lfbench::prim {

template <Fields F>
class PrometheusHistogramRecorder {
 public:
  static constexpr std::string_view name = "prometheus_histogram";
  static constexpr Traits traits{.progress = Progress::blocking, .library = "prometheus-cpp",
                                 .tsan_blind = "its atomics are in libprometheus-cpp-core, which is not instrumented"};
  static constexpr Fields fields = F;
  static constexpr bool consistent = true;

  void record(double v) {
    histogram_.Observe(v);
    if constexpr (has_extremes(F)) extremes_.record(v);
  }

  Recorded snapshot() const {
    const prometheus::ClientMetric m = histogram_.Collect();
    Recorded r;
    r.count = m.histogram.sample_count;
    r.sum = m.histogram.sample_sum;
    if constexpr (has_extremes(F)) {
      r.min = extremes_.min();
      r.max = extremes_.max();
    }
    if constexpr (has_buckets(F)) {
      std::uint64_t below = 0;
      for (unsigned i = 0; i < kRecorderBuckets && i < m.histogram.bucket.size(); ++i) {
        r.buckets[i] = m.histogram.bucket[i].cumulative_count - below;
        below = m.histogram.bucket[i].cumulative_count;
      }
    }
    return r;
  }

 private:
  static prometheus::Histogram::BucketBoundaries boundaries() {
    prometheus::Histogram::BucketBoundaries b;
    for (unsigned i = 0; i + 1 < kRecorderBuckets; ++i) b.push_back(std::nextafter(recorder_bucket_high(i), 0.0));
    return b;
  }

  prometheus::Registry registry_;
  prometheus::Histogram& histogram_ =
      prometheus::BuildHistogram().Name("lfbench_record_value").Register(registry_).Add({}, boundaries());
  detail::PrometheusExtremes extremes_{registry_};
};

static_assert(Recorder<PrometheusHistogramRecorder<Fields::counter>>);
static_assert(Recorder<PrometheusHistogramRecorder<Fields::stats>>);
static_assert(Recorder<PrometheusHistogramRecorder<Fields::histogram>>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_PROMETHEUS
