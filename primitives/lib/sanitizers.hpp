// Which sanitizer this translation unit is compiled under, in one place: GCC names it with a
// macro, clang with __has_feature (ci/test's ThreadSanitizer tree is GCC's, its AddressSanitizer
// tree clang's). __has_feature only inside #if: GCC 14 defines it for the preprocessor alone.
// Defines LFBENCH_TSAN / LFBENCH_ASAN to 1 when on. Not a primitive.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define LFBENCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LFBENCH_TSAN 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define LFBENCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LFBENCH_ASAN 1
#endif
#endif
