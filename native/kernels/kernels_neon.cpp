// NEON kernels (arm64, e.g. Apple M1). Advanced SIMD is baseline on arm64, so no target
// selection is needed.
#include <cstddef>
#include <cstdint>

#include "kernels.h"

#if defined(__aarch64__)
#include <arm_neon.h>

namespace qv {
namespace {

struct NeonTraits {
  using V = float32x4_t;
  static constexpr size_t kWidth = 4;
  static constexpr int kMQ = 4, kNP = 1, kNPFew = 1;  // 16 of 32 registers accumulate
  static V zero() { return vdupq_n_f32(0.0f); }
  static V load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, V v) { vst1q_f32(p, v); }
  static V set1(float x) { return vdupq_n_f32(x); }
  static V add(V a, V b) { return vaddq_f32(a, b); }
  static V sub(V a, V b) { return vsubq_f32(a, b); }
  static V mul(V a, V b) { return vmulq_f32(a, b); }
  static V load_u8(const uint8_t* p) {
    const uint32_t lanes[4] = {p[0], p[1], p[2], p[3]};
    return vcvtq_f32_u32(vld1q_u32(lanes));
  }
  static V gather(const float* table, const uint8_t* idx) {  // NEON has no gather
    const float lanes[4] = {table[idx[0]], table[idx[1]], table[idx[2]], table[idx[3]]};
    return vld1q_f32(lanes);
  }
  static V fmadd(V a, V b, V c) { return vfmaq_f32(c, a, b); }
  static V fnmadd(V a, V b, V c) { return vfmsq_f32(c, a, b); }
  static float reduce(V v) { return vaddvq_f32(v); }
};

#include "kernels_impl.h"

constexpr Kernels kNeon = make_kernels<NeonTraits>(Isa::Neon);

}  // namespace

const Kernels* neon_kernels() { return &kNeon; }

}  // namespace qv

#else
namespace qv {
const Kernels* neon_kernels() { return nullptr; }
}  // namespace qv
#endif
