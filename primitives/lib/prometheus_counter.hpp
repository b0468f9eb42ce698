// prometheus-cpp's Counter as an lfbench Recorder: the count, the sum and (histogram fields)
// one Counter per lfbench bucket, each Increment()ed per record (a compare_exchange loop on a
// std::atomic<double> in the library); min and max, which a Counter cannot keep, as two
// Gauges Set() under a mutex on a new extreme (prometheus_metrics.hpp, PrometheusExtremes).
// Registered in a prometheus::Registry as an application would. Thin adapter: calls forwarded.
// Progress: lock-free for the counter and histogram buckets; blocking on a new min or max.
// Ordering: the library's (seq_cst atomics); a snapshot reads the metrics one by one, so a
// record may be in the count and not yet in the sum or its bucket.
// Not for: hot metrics on many cores (one line per metric, CAS-looped doubles).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_PROMETHEUS

#include "../concepts.hpp"
#include "prometheus_metrics.hpp"

namespace lfbench::prim {

template <Fields F>
using PrometheusCounterRecorder = detail::PrometheusMetricRecorder<F, detail::PrometheusCounterTag>;

static_assert(Recorder<PrometheusCounterRecorder<Fields::counter>>);
static_assert(Recorder<PrometheusCounterRecorder<Fields::stats>>);
static_assert(Recorder<PrometheusCounterRecorder<Fields::histogram>>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_PROMETHEUS
