// Allocation for large scanned buffers (vectors, benchmark probes): aligned to 2 MiB and
// asked for transparent huge pages when big, so a sequential scan crosses 512 times fewer
// page boundaries (the hardware prefetcher stops at each one) and misses the TLB less.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace qv {

inline constexpr size_t kCacheLine = 64;
inline constexpr size_t kHugePage = size_t(2) << 20;

// At least `bytes` bytes (rounded up and returned in *allocated); release with std::free.
inline void* huge_alloc(size_t bytes, size_t* allocated) {
  const size_t align = bytes >= kHugePage ? kHugePage : kCacheLine;
  const size_t rounded = ((bytes + align - 1) / align) * align;
  void* p = std::aligned_alloc(align, rounded);
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (align == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);  // a hint; failure is harmless
#endif
  *allocated = rounded;
  return p;
}

}  // namespace qv
