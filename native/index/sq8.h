// 8-bit scalar quantiser: each dimension's range, seen in training, split into 255 steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qv {

class Sq8 {
 public:
  Sq8() = default;
  explicit Sq8(size_t dim) : dim_(dim), vmin_(dim, 0.0f), step_(dim, 0.0f) {}

  void train(const float* vectors, size_t n);
  void encode(const float* vector, uint8_t* code) const;

  // Terms for the kernels (kernels.h, Sq8Scan) such that, for a row with code c:
  //   L2: |q - decode(c)|^2 = bias + sum_d w[d] (c[d] - a[d])^2
  //   IP: -<q, decode(c)>   = bias - sum_d a[d] c[d]
  void query_terms(const float* query, bool ip, float* a, float* w, float* bias) const;

  size_t dim() const { return dim_; }
  std::vector<float>& vmin() { return vmin_; }
  std::vector<float>& step() { return step_; }
  const std::vector<float>& vmin() const { return vmin_; }
  const std::vector<float>& step() const { return step_; }

 private:
  size_t dim_ = 0;
  std::vector<float> vmin_;
  std::vector<float> step_;  // (max - min) / 255; 0 for a constant dimension
};

}  // namespace qv
