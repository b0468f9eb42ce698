#include "protocol.hpp"

#include <cmath>

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
  const auto max = integer_of<std::uint64_t>(j.at("max"));
  for (const auto& b : j.at("buckets")) {
    const auto i = integer_of<unsigned>(b.at(0));
    if (i >= LatencyHistogram::kBuckets) throw json::out_of_range::create(401, "histogram bucket out of range", nullptr);
    h.restore(i, integer_of<std::uint64_t>(b.at(1)), max);
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
  const json& ops = j.at("per_thread_ops");
  if (!ops.is_array()) throw json::type_error::create(302, "per_thread_ops is not an array", &ops);
  for (const auto& n : ops) w.per_thread_ops.push_back(integer_of<std::uint64_t>(n));
  for (const auto& u : j.at("usage"))
    w.usage.push_back(ThreadUsage{u.at(0).get<double>(), u.at(1).get<double>(), integer_of<std::uint64_t>(u.at(2)),
                                  integer_of<std::uint64_t>(u.at(3)), u.at(4).get<bool>()});
  w.steal_seconds = j.at("steal_seconds").get<double>();
  w.judgement = {j.at("disturbed").get<bool>(), j.at("disturbance").get<std::string>()};
  w.sample_every = integer_of<std::uint32_t>(j.at("sample_every"));
  const json& kinds = j.at("ops_by_kind");
  if (!kinds.is_array() || kinds.size() != kMaxOpKinds)
    throw json::type_error::create(302, "ops_by_kind is not an array of " + std::to_string(kMaxOpKinds), &kinds);
  for (std::size_t k = 0; k < kMaxOpKinds; ++k) w.ops_by_kind[k] = integer_of<std::uint64_t>(kinds[k]);
  const auto& lat = j.at("latency");
  for (std::size_t k = 0; k < kMaxOpKinds && k < lat.size(); ++k) w.latency[k] = histogram_from(lat[k]);
  w.verdict = {j.at("ok").get<bool>(), j.at("detail").get<std::string>()};
  for (const auto& m : j.at("metrics")) w.metrics.emplace_back(m.at(0).get<std::string>(), m.at(1).get<double>());
  return w;
}

std::string window_problem(const WindowResult& w, unsigned threads, std::chrono::nanoseconds asked) {
  const auto bad_time = [](double t) { return !std::isfinite(t) || t < 0 || t > 1e7; };
  if (bad_time(w.seconds) || bad_time(w.cpu_seconds) || bad_time(w.steal_seconds)) return "a time out of range";
  // A window stops on the worker's own clock: under half the length asked is no window of it.
  // Unless the oracle failed it: a failure in the warm-up is answered with the warm-up's window
  // (a broken primitive fails where it fails; its figures are never ranked).
  const double want = std::chrono::duration<double>(asked).count();
  if (w.seconds <= 0 || (w.verdict.ok && w.seconds < 0.5 * want))
    return "a window of " + std::to_string(w.seconds) + " s where " + std::to_string(want) + " s was asked";
  if (w.per_thread_ops.size() != threads) return "per_thread_ops for " + std::to_string(w.per_thread_ops.size()) + " threads, not " + std::to_string(threads);
  if (w.usage.size() != threads) return "usage for " + std::to_string(w.usage.size()) + " threads, not " + std::to_string(threads);
  for (const auto& u : w.usage)
    if (bad_time(u.cpu_seconds) || bad_time(u.runqueue_seconds)) return "a thread's time out of range";
  std::uint64_t sum = 0;
  for (auto n : w.per_thread_ops)
    if (__builtin_add_overflow(sum, n, &sum)) return "an operation count out of range";
  std::uint64_t by_kind = 0;
  for (auto n : w.ops_by_kind)
    if (__builtin_add_overflow(by_kind, n, &by_kind)) return "an operation count out of range";
  if (by_kind != sum) return "operations by kind (" + std::to_string(by_kind) + ") not the threads' sum (" + std::to_string(sum) + ")";
  for (const auto& [k, v] : w.metrics)
    if (!std::isfinite(v)) return "metric " + k + " is not a number";
  return "";
}

const char* to_string(Phase p) {
  switch (p) {
    case Phase::prefill: return "prefill";
    case Phase::window: return "window";
    case Phase::verify: return "verify";
  }
  return "?";
}


Answer read_answer(std::string_view line, const WindowRequest& r, std::uint64_t seq, bool ready) {
  Answer a;
  const auto bad = [&a](std::string why) {
    a.kind = Answer::bad;
    a.problem = std::move(why);
    return a;
  };
  const json m = json::parse(line, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return bad("the worker spoke another protocol: " + std::string(line.substr(0, 200)));
  if (const auto v = m.find("v"); v == m.end() || *v != kProtocolVersion)
    return bad("the worker spoke another protocol: " + std::string(line.substr(0, 200)));
  if (const auto e = m.find("error"); e != m.end())
    return bad("the worker refused the window: " + (e->is_string() ? e->get<std::string>() : e->dump()).substr(0, 400));
  // An answer names the cell it is for and (a worker of this build) the request's sequence
  // number: one for another cell, a stale or repeated one, is not this window.
  const auto foreign = [&](const json& cell) -> std::string {
    if (!cell.is_number_unsigned() || cell.get<std::uint64_t>() != r.cell)
      return "the worker answered for cell " + cell.dump().substr(0, 40) + " when asked for cell " + std::to_string(r.cell);
    if (const auto s = m.find("seq"); s != m.end() && (!s->is_number_unsigned() || s->get<std::uint64_t>() != seq))
      return "the worker answered request " + s->dump().substr(0, 40) + " when asked request " + std::to_string(seq) +
             " (a stale or repeated answer)";
    return "";
  };
  if (const auto c = m.find("ready"); c != m.end()) {
    if (std::string f = foreign(*c); !f.empty()) return bad(f);
    if (ready) return bad("the worker said ready twice for one request");
    a.kind = Answer::ready;
    return a;
  }
  if (const auto p = m.find("phase"); p != m.end()) {
    if (!ready) return bad("the worker began a phase before it said ready: " + std::string(line.substr(0, 200)));
    if (std::string f = foreign(m.contains("cell") ? m["cell"] : json()); !f.empty()) return bad(f);
    for (Phase ph : {Phase::prefill, Phase::window, Phase::verify})
      if (*p == to_string(ph)) {
        a.kind = Answer::began;
        a.phase = ph;
        return a;
      }
    return bad("the worker named an unknown phase: " + p->dump().substr(0, 40));
  }
  if (const auto c = m.find("result"); c != m.end()) {
    if (!ready) return bad("the worker sent a result before it said ready (a stale or repeated answer): " + std::string(line.substr(0, 200)));
    if (std::string f = foreign(*c); !f.empty()) return bad(f);
    try {
      a.window = window_from_json(m.at("window"));
    } catch (const json::exception& e) {
      return bad(std::string("the worker sent a malformed window: ") + e.what());
    }
    if (const auto problem = window_problem(a.window, r.threads, r.duration); !problem.empty()) return bad("the worker sent a window out of range: " + problem);
    a.kind = Answer::result;
    return a;
  }
  return a;  // a message of a later build of this protocol version: not one this request waits for
}

}  // namespace lfbench
