#include "protocol.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "lfbench_config.h"
#include "scenario.hpp"
#include "tsc.hpp"

namespace lfbench {

using nlohmann::json;

namespace {

json histogram_json(const LatencyHistogram& h) {
  json b = json::array();
  h.for_each_bucket([&](unsigned i, std::uint64_t n) { b.push_back({i, n}); });
  return {{"buckets", b}, {"max", h.max()}};
}

LatencyHistogram histogram_from(const json& j) {
  LatencyHistogram h;
  const std::uint64_t max = j.at("max").get<std::uint64_t>();
  for (const auto& b : j.at("buckets")) {
    const auto i = b.at(0).get<unsigned>();
    if (i >= LatencyHistogram::kBuckets) throw json::out_of_range::create(401, "histogram bucket out of range", nullptr);
    h.restore(i, b.at(1).get<std::uint64_t>(), max);
  }
  return h;
}

}  // namespace

json to_json(const WindowResult& w) {
  json usage = json::array();
  for (const auto& u : w.usage)
    usage.push_back({u.cpu_seconds, u.runqueue_seconds, u.involuntary, u.voluntary, u.sleeps_by_design});
  json lat = json::array();
  for (const auto& h : w.latency) lat.push_back(histogram_json(h));
  json metrics = json::array();
  for (const auto& [k, v] : w.metrics) metrics.push_back({k, v});
  return {{"seconds", w.seconds},
          {"cpu_seconds", w.cpu_seconds},
          {"per_thread_ops", w.per_thread_ops},
          {"usage", usage},
          {"steal_seconds", w.steal_seconds},
          {"disturbed", w.judgement.disturbed},
          {"disturbance", w.judgement.reason},
          {"sample_every", w.sample_every},
          {"ops_by_kind", w.ops_by_kind},
          {"latency", lat},
          {"ok", w.verdict.ok},
          {"detail", w.verdict.detail},
          {"metrics", metrics}};
}

WindowResult window_from_json(const json& j) {
  WindowResult w;
  w.seconds = j.at("seconds").get<double>();
  w.cpu_seconds = j.at("cpu_seconds").get<double>();
  w.per_thread_ops = j.at("per_thread_ops").get<std::vector<std::uint64_t>>();
  for (const auto& u : j.at("usage"))
    w.usage.push_back(ThreadUsage{u.at(0).get<double>(), u.at(1).get<double>(), u.at(2).get<std::uint64_t>(),
                                  u.at(3).get<std::uint64_t>(), u.at(4).get<bool>()});
  w.steal_seconds = j.at("steal_seconds").get<double>();
  w.judgement = {j.at("disturbed").get<bool>(), j.at("disturbance").get<std::string>()};
  w.sample_every = j.at("sample_every").get<std::uint32_t>();
  w.ops_by_kind = j.at("ops_by_kind").get<std::array<std::uint64_t, kMaxOpKinds>>();
  const auto& lat = j.at("latency");
  for (std::size_t k = 0; k < kMaxOpKinds && k < lat.size(); ++k) w.latency[k] = histogram_from(lat[k]);
  w.verdict = {j.at("ok").get<bool>(), j.at("detail").get<std::string>()};
  for (const auto& m : j.at("metrics")) w.metrics.emplace_back(m.at(0).get<std::string>(), m.at(1).get<double>());
  return w;
}

std::string window_problem(const WindowResult& w, unsigned threads) {
  const auto bad_time = [](double t) { return !std::isfinite(t) || t < 0 || t > 1e7; };
  if (bad_time(w.seconds) || bad_time(w.cpu_seconds) || bad_time(w.steal_seconds)) return "a time out of range";
  if (w.per_thread_ops.size() != threads) return "per_thread_ops for " + std::to_string(w.per_thread_ops.size()) + " threads, not " + std::to_string(threads);
  if (w.usage.size() != threads) return "usage for " + std::to_string(w.usage.size()) + " threads, not " + std::to_string(threads);
  for (const auto& u : w.usage)
    if (bad_time(u.cpu_seconds) || bad_time(u.runqueue_seconds)) return "a thread's time out of range";
  std::uint64_t sum = 0;
  for (auto n : w.per_thread_ops)
    if (__builtin_add_overflow(sum, n, &sum)) return "an operation count out of range";
  for (const auto& [k, v] : w.metrics)
    if (!std::isfinite(v)) return "metric " + k + " is not a number";
  return "";
}

namespace {

// Latency sampling rate: one op in 2^k, the smallest power of two at which timing (the timer
// pair and the histogram update) costs at most 1% of an operation as the warm-up measured it.
std::uint32_t sample_every_for(const WindowResult& warm, unsigned threads) {
  constexpr double kHistogramNs = 3;
  const double ops = static_cast<double>(std::max<std::uint64_t>(1, warm.total_ops()));
  const double op_ns = warm.seconds * 1e9 * threads / ops;  // one thread's wall time per op
  const double every = (tsc::calibrate().overhead_ns() + kHistogramNs) / (0.01 * std::max(op_ns, 0.1));
  std::uint32_t n = 1;
  while (n < every && n < (1u << 16)) n <<= 1;
  return n;
}

class Channel {
 public:
  Channel() : out_(fdopen(kResultFd, "w")) {}
  bool ok() const { return out_ != nullptr; }
  void send(json m) {
    m["v"] = kProtocolVersion;
    const std::string line = m.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
  }

 private:
  FILE* out_;
};

}  // namespace

int worker_main(unsigned threads, Pin pin) {
  // The supervisor answers signals and stops workers itself; a terminal's Ctrl-C reaches the
  // whole process group, and a worker must not die of it mid-window before the supervisor
  // decides. If the supervisor dies (even by SIGKILL), so does the worker.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  count_continues();  // a window it was stopped in is disturbed (pool.cpp)
  Channel ch;
  if (!ch.ok()) {
    std::cerr << "lfbench __worker: file descriptor " << kResultFd << " is not open (run by lfbench run only)\n";
    return 2;
  }
  tsc::take_supervisor_rate();
  Pool pool(threads, pin);  // threads first: created once, pinned, before any timed lock
  tsc::calibrate();
  json cpus = pool.cpus();
  // What this build can measure: an A/B supervisor checks every cell against it up front.
  json catalog = json::object();
  for (const Scenario& sc : scenarios()) {
    json prims = json::array(), params = json::array();
    for (const auto& pe : sc.primitives) prims.push_back(pe.id);
    for (const auto& spec : sc.params) params.push_back(spec.name);
    catalog[sc.id] = {{"primitives", prims}, {"params", params}};
  }
  ch.send({{"hello", {{"pid", ::getpid()}, {"threads", threads}, {"pin", to_string(pin)}, {"cpus", cpus},
                      {"version", LFBENCH_VERSION}, {"catalog", catalog}}}});

  std::unique_ptr<Cell> cell;
  Params params;  // the cached cell's parameters (a CellSpec refers to them)
  long cached = -1;
  for (std::string line; std::getline(std::cin, line);) {
    const json m = json::parse(line, nullptr, false);
    if (m.is_object() && m.contains("v") && m["v"] != kProtocolVersion) {
      std::cerr << "lfbench __worker: the supervisor speaks worker protocol v" << m["v"].dump()
                << ", this worker (lfbench " LFBENCH_VERSION ") speaks v" << kProtocolVersion
                << ": refusing (run workers of the same lfbench build)\n";
      return 2;
    }
    if (m.is_discarded() || !m.is_object() || !m.contains("window")) {
      ch.send({{"error", "not a protocol v" + std::to_string(kProtocolVersion) + " window request: " + line.substr(0, 200)}});
      continue;
    }
    try {
      const json& w = m.at("window");
      const long index = w.at("cell").get<long>();
      const Scenario* sc = find_scenario(w.at("scenario").get<std::string>());
      const PrimitiveEntry* pe = sc ? sc->primitive(w.at("primitive").get<std::string>()) : nullptr;
      const unsigned n = w.at("threads").get<unsigned>();
      if (!pe || n == 0 || n > pool.size()) {
        ch.send({{"error", "this worker has no " + w.at("scenario").get<std::string>() + "/" +
                               w.at("primitive").get<std::string>() + " at " + std::to_string(n) + " threads"}});
        continue;
      }
      if (index != cached) {
        cell.reset();  // at most one cell's state alive: free the last before building the next
        params = Params{};
        for (const auto& spec : sc->params)
          if (w.at("params").contains(spec.name)) params.set(spec.name, w.at("params").at(spec.name).get<std::string>());
        cached = -1;
        cell = pe->make(CellSpec{params, n});
        cached = index;
      }
      // The request's sequence number, echoed: an answer can be told from a stale one.
      const json seq = w.value("seq", json());
      ch.send({{"ready", index}, {"seq", seq}});
      WindowOptions opt;
      opt.threads = n;
      opt.batch = sc->batch;
      opt.blocking = pe->traits.progress == prim::Progress::blocking;
      opt.perturb = w.value("perturb", false);
      const bool latency = w.at("latency").get<bool>();
      // A warm-up before every window: its figures are not kept (its verdict is: a failed oracle
      // is a result wherever it happens), and it sets the latency sampling rate.
      std::uint32_t every = latency ? 1024 : 0;
      const auto warmup = std::chrono::nanoseconds(w.at("warmup_ns").get<std::int64_t>());
      WindowResult r;
      bool done = false;
      if (warmup.count() > 0) {
        opt.duration = warmup;
        r = pool.run_window(*cell, opt);
        done = !r.verdict.ok;
        if (latency) every = sample_every_for(r, n);
      }
      if (!done) {
        opt.duration = std::chrono::nanoseconds(w.at("duration_ns").get<std::int64_t>());
        opt.sample_every = every;
        r = pool.run_window(*cell, opt);
      }
      ch.send({{"result", index}, {"seq", seq}, {"window", to_json(r)}});
    } catch (const json::exception& e) {
      ch.send({{"error", std::string("malformed window request: ") + e.what()}});
    }
  }
  return 0;
}

}  // namespace lfbench
