// retry_eintr(f): calls f() again for as long as it fails with EINTR (returns a negative value,
// errno EINTR) and returns its first other result. A system call a signal interrupted before it
// did anything is simply redone; the caller handles every other failure.
//
//   const ssize_t n = retry_eintr([&] { return ::read(fd, buf, size); });
#pragma once

#include <cerrno>

namespace lfbench {

template <class F>
auto retry_eintr(F&& f) {
  for (;;) {
    const auto r = f();
    if (!(r < 0 && errno == EINTR)) return r;
  }
}

}  // namespace lfbench
