// Parsing of user input into values, and the one error type for bad input: its message is one
// line naming the bad value and what is allowed; main prints it and exits 2 before anything
// is written.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lfbench {

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr unsigned kMaxThreads = 1024;

// "200ms", "1.5s", "500us", "100000ns". REQUIRES a unit; `what` names the option in errors.
std::chrono::nanoseconds parse_duration(std::string_view text, std::string_view what, bool allow_zero = false);
// "1,2,4" or "1-8" or a mix ("1,2,4-6"), each 1..kMaxThreads.
std::vector<unsigned> parse_threads(std::string_view text, std::string_view what);
std::int64_t parse_int(std::string_view text, std::string_view what, std::int64_t min, std::int64_t max);
std::vector<std::string> split(std::string_view text, char sep);

// ", did you mean 'x'" for the candidate closest to `word` (edit distance), or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& xs, std::string_view sep = ", ");
std::string format_duration(std::chrono::nanoseconds d);  // "1m05s", "200ms"

}  // namespace lfbench
