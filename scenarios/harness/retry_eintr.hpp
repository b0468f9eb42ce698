// retry_eintr(f) and write_all(fd, data). retry_eintr calls f() again for as long as it fails with EINTR (returns a negative value,
// errno EINTR) and returns its first other result. A system call a signal interrupted before it
// did anything is simply redone; the caller handles every other failure.
//
//   const ssize_t n = retry_eintr([&] { return ::read(fd, buf, size); });
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string_view>

namespace lfbench {

template <class F>
auto retry_eintr(F&& f) {
  for (;;) {
    const auto r = f();
    if (!(r < 0 && errno == EINTR)) return r;
  }
}

// Writes all of `data` to fd (short writes continued, EINTR redone). false: a write failed,
// errno says why.
inline bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = retry_eintr([&] { return ::write(fd, data.data(), data.size()); });
    if (n < 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace lfbench
