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

// The message is made one line whatever it quotes: control characters (a newline inside a
// quoted value or file name) are escaped and an overlong message is cut.
std::string one_line(std::string_view text);

struct BadInput : std::runtime_error {
  explicit BadInput(const std::string& what) : std::runtime_error(one_line(what)) {}
};

inline constexpr unsigned kMaxThreads = 1024;

// "200ms", "1.5s", "500us", "100000ns". REQUIRES a unit; `what` names the option in errors.
// `minutes`: m and h are units too (a budget; a window's "5m" would be a typo of 5ms).
std::chrono::nanoseconds parse_duration(std::string_view text, std::string_view what, bool allow_zero = false,
                                        bool minutes = false);
// "1,2,4" or "1-8" or a mix ("1,2,4-6"), each 1..kMaxThreads.
std::vector<unsigned> parse_threads(std::string_view text, std::string_view what);
std::int64_t parse_int(std::string_view text, std::string_view what, std::int64_t min, std::int64_t max);
std::vector<std::string> split(std::string_view text, char sep);

// ", did you mean 'x'" for the candidate closest to `word` (edit distance), or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& xs, std::string_view sep = ", ");
std::string format_duration(std::chrono::nanoseconds d);  // "1m05s", "200ms"

// The whole of a file the user named, refusing what cannot be sized or is too big before
// reading it: FIFOs, devices and directories (which would block or never end), and files over
// max_bytes. Errors are "<label>: no such <kind>", "<label>: not a regular file ...", etc.
std::string read_input_file(const std::string& path, std::size_t max_bytes, const std::string& label,
                            const std::string& kind);

// Limits a JSON text must keep before it is parsed at all: nesting depth, the length of any one
// string and any one number token. Checked by an iterative scan (no recursion, so no depth can
// overflow the stack) that reports the line: "<file>:<line>:<col>: ...".
struct JsonLimits {
  int max_depth = 32;
  std::size_t max_string_bytes = 65536;
  std::size_t max_number_chars = 32;
};
void check_json_limits(std::string_view text, const std::string& file, const JsonLimits& limits);
// "<file>:<line>:<col>" of a byte offset into text.
std::string text_position(std::string_view text, std::size_t offset, const std::string& file);

}  // namespace lfbench
