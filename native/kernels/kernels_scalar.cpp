// Portable kernels: the reference every SIMD variant is tested against.
#include <cstddef>
#include <cstdint>

#include "kernels.h"

namespace qv {
namespace {

struct ScalarTraits {
  using V = float;
  static constexpr size_t kWidth = 1;
  static constexpr int kMQ = 2, kNP = 1, kNPFew = 1;
  static V zero() { return 0.0f; }
  static V load(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V set1(float x) { return x; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V load_u8(const uint8_t* p) { return float(*p); }
  static V gather(const float* table, const uint8_t* idx) { return table[*idx]; }
  static V fmadd(V a, V b, V c) { return a * b + c; }
  static V fnmadd(V a, V b, V c) { return c - a * b; }
  static float reduce(V v) { return v; }
};

#include "kernels_impl.h"

constexpr Kernels kScalar = make_kernels<ScalarTraits>(Isa::Scalar);

}  // namespace

const Kernels* scalar_kernels() { return &kScalar; }

}  // namespace qv
