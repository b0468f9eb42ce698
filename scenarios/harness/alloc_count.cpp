#include "alloc_count.hpp"

#include <cstdlib>
#include <new>

#include "../../primitives/lib/sanitizers.hpp"

namespace lfbench {

namespace {
// Initial-exec TLS of the executable: an increment, no call, no lock.
thread_local std::uint64_t allocations = 0;
}  // namespace

std::uint64_t thread_allocations() noexcept { return allocations; }

#if defined(LFBENCH_ASAN) || defined(LFBENCH_TSAN)
bool allocations_counted() noexcept { return false; }
}  // namespace lfbench
#else
bool allocations_counted() noexcept { return true; }

namespace detail {
void* counted(std::size_t n, std::size_t align, bool nothrow) {
  ++allocations;
  if (n == 0) n = 1;
  for (;;) {
    void* p = align <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ ? std::malloc(n)
                                                         : std::aligned_alloc(align, (n + align - 1) / align * align);
    if (p || nothrow) return p;
    // As the standard's operator new: the handler may free memory; none installed is bad_alloc.
    std::new_handler h = std::get_new_handler();
    if (!h) throw std::bad_alloc();
    h();
  }
}
}  // namespace detail
}  // namespace lfbench

using lfbench::detail::counted;
constexpr std::size_t kPlain = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
void* operator new(std::size_t n) { return counted(n, kPlain, false); }
void* operator new[](std::size_t n) { return counted(n, kPlain, false); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n, kPlain, true); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n, kPlain, true); }
void* operator new(std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a), false); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted(n, static_cast<std::size_t>(a), false); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(n, static_cast<std::size_t>(a), true); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return counted(n, static_cast<std::size_t>(a), true); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
#endif
