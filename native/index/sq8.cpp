#include "sq8.h"

#include <algorithm>
#include <cmath>

namespace qv {

void Sq8::train(const float* vectors, size_t n) {
  std::vector<float> vmax(dim_, -INFINITY);
  std::fill(vmin_.begin(), vmin_.end(), INFINITY);
  for (size_t i = 0; i < n; ++i) {
    for (size_t d = 0; d < dim_; ++d) {
      vmin_[d] = std::min(vmin_[d], vectors[i * dim_ + d]);
      vmax[d] = std::max(vmax[d], vectors[i * dim_ + d]);
    }
  }
  // In double: max - min of values near ±3e38 overflows float, and an infinite step would
  // turn codes into NaN.
  for (size_t d = 0; d < dim_; ++d) step_[d] = float((double(vmax[d]) - double(vmin_[d])) / 255.0);
}

void Sq8::encode(const float* vector, uint8_t* code) const {
  for (size_t d = 0; d < dim_; ++d) {
    const double q = step_[d] > 0 ? std::nearbyint((double(vector[d]) - double(vmin_[d])) / double(step_[d])) : 0.0;
    code[d] = uint8_t(std::clamp(q, 0.0, 255.0));  // values outside the trained range saturate
  }
}

void Sq8::query_terms(const float* query, bool ip, float* a, float* w, float* bias) const {
  double b = 0;
  for (size_t d = 0; d < dim_; ++d) {
    if (ip) {
      // -<q, min + c * step> = -<q, min> - sum (q * step) c
      a[d] = query[d] * step_[d];
      w[d] = 0;
      b -= double(query[d]) * vmin_[d];
    } else if (step_[d] > 0) {
      // (q - min - c * step)^2 = step^2 (c - (q - min) / step)^2
      a[d] = float((double(query[d]) - double(vmin_[d])) / double(step_[d]));
      w[d] = step_[d] * step_[d];
    } else {
      a[d] = 0;
      w[d] = 0;
      b += double(query[d] - vmin_[d]) * (query[d] - vmin_[d]);
    }
  }
  *bias = float(b);
}

}  // namespace qv
