// The worker's side of the protocol (protocol.hpp): the hidden `__worker` subcommand's loop.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "lfbench_config.h"
#include "protocol.hpp"
#include "scenario.hpp"
#include "tsc.hpp"

namespace lfbench {

using nlohmann::json;

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

int worker_main(unsigned threads, const Placement& pin) {
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
  ch.send({{"hello", {{"pid", ::getpid()}, {"threads", threads}, {"pin", pin.name()}, {"cpus", cpus},
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
      // The request's placement: thread i on cpus[i] (-1: unpinned), each a CPU this worker may use.
      std::vector<int> cpus;
      if (const auto c = w.find("cpus"); c != w.end()) {
        if (!c->is_array() || c->size() < n) throw json::type_error::create(302, "cpus: not one per thread", &*c);
        for (const auto& x : *c) {
          const int cpu = integer_of<int>(x);
          if (cpu != -1 && std::find(allowed_cpus().begin(), allowed_cpus().end(), cpu) == allowed_cpus().end())
            throw json::out_of_range::create(401, "cpus: " + std::to_string(cpu) + " is not a CPU this worker may run on", &x);
          cpus.push_back(cpu);
        }
      }
      if (index != cached) {
        cell.reset();  // at most one cell's state alive: free the last before building the next
        params = Params{};
        for (const auto& spec : sc->params)
          if (w.at("params").contains(spec.name)) params.set(spec.name, w.at("params").at(spec.name).get<std::string>());
        cached = -1;
        // Built on the first thread's CPU: its first touch puts the state on that thread's NUMA node.
        if (!cpus.empty() && cpus[0] >= 0) pin_current_thread(cpus[0]);
        cell = pe->make(CellSpec{params, n});
        pin_current_thread(-1);
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
      opt.phase = [&](Phase p) { ch.send({{"phase", to_string(p)}, {"cell", index}, {"seq", seq}}); };
      opt.cpus = cpus;
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
