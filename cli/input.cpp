#include "input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "../scenarios/harness/retry_eintr.hpp"

namespace lfbench {

std::string one_line(std::string_view text) {
  // Long enough for any message lfbench writes about a sane value; a hostile value is cut.
  constexpr std::size_t kMax = 1000;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (out.size() >= kMax) return out + "...";
    const auto u = static_cast<unsigned char>(text[i]);
    // A well-formed UTF-8 sequence is kept whole; a stray byte is escaped like a control one.
    const std::size_t len = u >= 0xF0 && u < 0xF5 ? 4 : u >= 0xE0 && u < 0xF0 ? 3 : u >= 0xC2 && u < 0xE0 ? 2 : 1;
    if (u >= 0x80) {
      bool ok = len > 1 && i + len <= text.size();
      for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (ok) {
        out.append(text.substr(i, len));
        i += len - 1;
        continue;
      }
    }
    if (text[i] == '\n') out += "\\n";
    else if (text[i] == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f || u >= 0x80) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string read_input_file(const std::string& path, std::size_t max_bytes, const std::string& label,
                            const std::string& kind) {
  const std::string allowed = "; allowed: a regular " + kind + " of at most " + std::to_string(max_bytes) + " bytes";
  // O_NONBLOCK: opening a FIFO with no writer must not wait for one.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) throw BadInput(label + ": no such " + kind);
    throw BadInput(label + ": cannot open: " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw BadInput(label + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket" : "a device";
    throw BadInput(label + ": is " + std::string(what) + ", not a regular file" + allowed);
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    throw BadInput(label + ": " + std::to_string(st.st_size) + " bytes is too big" + allowed);
  // Read at most one byte past the limit: a file that grows, or reports no size (procfs), is
  // still bounded. The buffer starts at the file's size and doubles while more comes: the limit
  // (128 MiB for results) is not zeroed for every small file.
  std::string text;
  text.resize(std::min<std::uint64_t>(std::max<std::uint64_t>(static_cast<std::uint64_t>(st.st_size) + 1, 4096), max_bytes + 1));
  std::size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (text.size() > max_bytes) break;
      text.resize(std::min(text.size() * 2, max_bytes + 1));
    }
    const ssize_t n = retry_eintr([&] { return ::read(fd, text.data() + got, text.size() - got); });
    if (n < 0) throw BadInput(label + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) throw BadInput(label + ": more than " + std::to_string(max_bytes) + " bytes is too big" + allowed);
  text.resize(got);
  return text;
}

std::string text_position(std::string_view text, std::size_t offset, const std::string& file) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i, ++col)
    if (text[i] == '\n') {
      ++line;
      col = 0;
    }
  return file + ":" + std::to_string(line) + ":" + std::to_string(col);
}

void check_json_limits(std::string_view text, const std::string& file, const JsonLimits& limits) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '[' || ch == '{') {
      if (++depth > limits.max_depth)
        throw BadInput(text_position(text, i, file) + ": JSON nested deeper than " + std::to_string(limits.max_depth) +
                       " levels; allowed: at most " + std::to_string(limits.max_depth));
    } else if (ch == ']' || ch == '}') {
      --depth;  // unbalanced text is the parser's to report
    } else if (ch == '"') {
      const std::size_t start = i;
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      if (i - start - 1 > limits.max_string_bytes)
        throw BadInput(text_position(text, start, file) + ": a string of " + std::to_string(i - start - 1) +
                       " bytes; allowed: at most " + std::to_string(limits.max_string_bytes));
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
      const std::size_t start = i;
      while (i + 1 < text.size() && std::strchr("0123456789+-.eE", text[i + 1]) && text[i + 1] != '\0') ++i;
      if (i - start + 1 > limits.max_number_chars)
        throw BadInput(text_position(text, start, file) + ": a number of " + std::to_string(i - start + 1) +
                       " characters ('" + std::string(text.substr(start, 20)) + "...'); allowed: at most " +
                       std::to_string(limits.max_number_chars));
    }
  }
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto pos = text.find(sep, start);
    out.emplace_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

std::string join(const std::vector<std::string>& xs, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i) out += sep;
    out += xs[i];
  }
  return out;
}

std::chrono::nanoseconds parse_duration(std::string_view text, std::string_view what, bool allow_zero, bool minutes) {
  const std::string allowed = allow_zero ? "a number >= 0" : "a positive number";
  const auto bad = [&](const std::string& why) {
    return BadInput(std::string(what) + ": '" + std::string(text) + "' " + why + "; allowed: " + allowed +
                    (minutes ? " with unit ns, us, ms, s, m or h, at most 1h (e.g. 10m)"
                             : " with unit ns, us, ms or s, at most 1h (e.g. 200ms)"));
  };
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) throw bad("is not a duration");
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  double scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "s") scale = 1e9;
  // Minutes and hours for a budget only (--budget 10m): a window of "5m" is a typo of 5ms.
  else if (minutes && unit == "m") scale = 60e9;
  else if (minutes && unit == "h") scale = 3600e9;
  else throw bad(unit.empty() ? "has no unit" : "has an unknown unit");
  const double ns = value * scale;
  if (!std::isfinite(ns) || ns < 0 || (ns == 0 && !allow_zero) || ns > 3600e9) throw bad("is out of range");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
}

std::int64_t parse_int(std::string_view text, std::string_view what, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (ec == std::errc::result_out_of_range || (ec == std::errc{} && end == text.data() + text.size() && (v < min || v > max)))
    throw BadInput(std::string(what) + ": " + std::string(text) + " is out of range; allowed: integers " + range);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    throw BadInput(std::string(what) + ": '" + std::string(text) + "' is not an integer; allowed: integers " + range);
  return v;
}

std::vector<unsigned> parse_threads(std::string_view text, std::string_view what) {
  const std::string allowed = "; allowed: thread counts 1.." + std::to_string(kMaxThreads) +
                              " as a list (1,2,4) or a range (1-8)";
  std::vector<unsigned> out;
  for (const auto& item : split(text, ',')) {
    const auto one = [&](std::string_view s) -> unsigned {
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
        throw BadInput(std::string(what) + ": '" + std::string(s) + "' is not a thread count" + allowed);
      if (v < 1 || v > kMaxThreads)
        throw BadInput(std::string(what) + ": " + std::string(s) + " is out of range" + allowed);
      return static_cast<unsigned>(v);
    };
    // A '-' after the first character is a range; a leading '-' is a negative number.
    const auto dash = item.find('-', 1);
    if (dash == std::string::npos) {
      out.push_back(one(item));
      continue;
    }
    const unsigned lo = one(std::string_view(item).substr(0, dash));
    const unsigned hi = one(std::string_view(item).substr(dash + 1));
    if (lo > hi) throw BadInput(std::string(what) + ": range '" + item + "' is empty" + allowed);
    for (unsigned t = lo; t <= hi; ++t) out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t best = std::string::npos;
  const std::string* pick = nullptr;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      pick = &c;
    }
  }
  if (!pick || best > std::max<std::size_t>(3, std::max(word.size(), pick->size()) / 2)) return "";
  return ", did you mean '" + *pick + "'?";
}

std::string format_duration(std::chrono::nanoseconds d) {
  const double s = std::chrono::duration<double>(d).count();
  char buf[32];
  if (s < 1) std::snprintf(buf, sizeof buf, "%.0fms", s * 1e3);
  else if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

}  // namespace lfbench
