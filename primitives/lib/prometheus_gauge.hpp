// prometheus-cpp's Gauge as an lfbench Recorder: the count, the sum and (histogram fields)
// one Gauge per lfbench bucket, each Increment()ed per record (a compare_exchange loop on a
// std::atomic<double> in the library); min and max as two Gauges Set() under a mutex on a new
// extreme, since a Gauge has no compare-and-set (prometheus_metrics.hpp, PrometheusExtremes).
// A Counter is a Gauge inside: this and prometheus_counter should measure alike.
// Progress: lock-free for the counter and histogram buckets; blocking on a new min or max.
// Ordering: the library's (seq_cst atomics); a snapshot reads the Gauges one by one.
// Not for: hot metrics on many cores (one line per metric, CAS-looped doubles).
#pragma once

#include "lfbench_config.h"

#if LFBENCH_HAVE_PROMETHEUS

#include "../concepts.hpp"
#include "prometheus_metrics.hpp"

namespace lfbench::prim {

template <Fields F>
using PrometheusGaugeRecorder = detail::PrometheusMetricRecorder<F, detail::PrometheusGaugeTag>;

static_assert(Recorder<PrometheusGaugeRecorder<Fields::counter>>);
static_assert(Recorder<PrometheusGaugeRecorder<Fields::stats>>);
static_assert(Recorder<PrometheusGaugeRecorder<Fields::histogram>>);

}  // namespace lfbench::prim

#endif  // LFBENCH_HAVE_PROMETHEUS
