// AVX2 + FMA kernels (x86-64). Compiled for that target by pragma so that the build needs
// no per-file flags; only ever called after CPUID says the CPU has AVX2 and FMA.
#include <cstddef>
#include <cstdint>

#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace qv {
namespace {

struct Avx2Traits {
  using V = __m256;
  static constexpr size_t kWidth = 8;
  static constexpr int kMQ = 4, kNP = 1, kNPFew = 1;  // 8 of 16 registers accumulate
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static __m256i widen_u8(const uint8_t* p) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  }
  static V load_u8(const uint8_t* p) { return _mm256_cvtepi32_ps(widen_u8(p)); }
  static V gather(const float* table, const uint8_t* idx) { return _mm256_i32gather_ps(table, widen_u8(idx), 4); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static float reduce(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

#include "kernels_impl.h"

constexpr Kernels kAvx2 = make_kernels<Avx2Traits>(Isa::Avx2);

}  // namespace
}  // namespace qv

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace qv {
const Kernels* avx2_kernels() { return &kAvx2; }
}  // namespace qv

#else
namespace qv {
const Kernels* avx2_kernels() { return nullptr; }
}  // namespace qv
#endif
