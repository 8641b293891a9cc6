// AVX-512 kernels (x86-64): one 16-float register per panel row. Compiled for that target
// by pragma; only ever called after CPUID says the CPU and OS support AVX-512F/DQ/VL.
#include <cstddef>
#include <cstdint>

#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx2,fma")
// GCC 12's AVX-512 headers initialise "undefined" registers from themselves and then warn
// about it (GCC bug 105593); the code is fine.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace qv {
namespace {

struct Avx512Traits {
  using V = __m512;
  static constexpr size_t kWidth = 16;
  // 8 queries x 1 panel measured fastest on Zen 4 for L2 (sub + FMA) and close to best for IP.
  static constexpr int kMQ = 8, kNP = 1, kNPFew = 1;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static __m512i widen_u8(const uint8_t* p) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static V load_u8(const uint8_t* p) { return _mm512_cvtepi32_ps(widen_u8(p)); }
  static V gather(const float* table, const uint8_t* idx) { return _mm512_i32gather_ps(widen_u8(idx), table, 4); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  // Shuffles rather than _mm512_reduce_add_ps, whose GCC 12 header warns spuriously.
  static V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static float reduce(V v) {
    V t = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    t = _mm512_add_ps(t, _mm512_shuffle_f32x4(t, t, _MM_SHUFFLE(2, 3, 0, 1)));
    __m128 s = _mm512_castps512_ps128(t);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

#include "kernels_impl.h"

constexpr Kernels kAvx512 = make_kernels<Avx512Traits>(Isa::Avx512);

}  // namespace
}  // namespace qv

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

namespace qv {
const Kernels* avx512_kernels() { return &kAvx512; }
}  // namespace qv

#else
namespace qv {
const Kernels* avx512_kernels() { return nullptr; }
}  // namespace qv
#endif
