#include "pq.h"

#include <algorithm>

#include "../kernels/kernels.h"

namespace qv {

namespace {
// The sub-vectors j of n row-major vectors, as n x dsub.
std::vector<float> slice(const float* vectors, size_t n, size_t dim, size_t j, size_t dsub) {
  std::vector<float> out(n * dsub);
  for (size_t i = 0; i < n; ++i) std::copy(vectors + i * dim + j * dsub, vectors + i * dim + (j + 1) * dsub, out.begin() + i * dsub);
  return out;
}
}  // namespace

void Pq::train(const float* vectors, size_t n, ThreadPool& pool, uint64_t seed, size_t iterations,
               const Progress& progress) {
  codebooks_.assign(m_ * kCodewords * dsub_, 0.0f);
  for (size_t j = 0; j < m_; ++j) {
    const std::vector<float> sub = slice(vectors, n, dim_, j, dsub_);
    KMeansOptions options;
    options.k = kCodewords;
    options.iterations = iterations;
    options.seed = seed + j;
    const std::vector<float> centroids = kmeans(sub.data(), n, dsub_, options, pool);
    std::copy(centroids.begin(), centroids.end(), codebooks_.begin() + j * kCodewords * dsub_);
    if (progress) progress(double(j + 1) / double(m_));
  }
  prepare();
}

void Pq::prepare() {
  const size_t per = panel_count(kCodewords) * panel_floats(dsub_);
  panels_.assign(m_ * per, 0.0f);
  for (size_t j = 0; j < m_; ++j) pack_rows(codebooks_.data() + j * kCodewords * dsub_, kCodewords, dsub_, panels_.data() + j * per, 0);
}

void Pq::encode(const float* vectors, size_t n, uint8_t* codes, ThreadPool& pool) const {
  std::vector<uint32_t> labels(n);
  for (size_t j = 0; j < m_; ++j) {
    const std::vector<float> sub = slice(vectors, n, dim_, j, dsub_);
    assign_nearest(sub.data(), n, codebooks_.data() + j * kCodewords * dsub_, kCodewords, dsub_, false, labels.data(), pool);
    for (size_t i = 0; i < n; ++i) codes[i * m_ + j] = uint8_t(labels[i]);
  }
}

void Pq::tables(const float* v, bool ip, float* tables) const {
  const Kernels& k = kernels();
  const PanelScan scan = ip ? k.scan_neg_ip : k.scan_l2sq;
  const size_t npanels = panel_count(kCodewords), per = npanels * panel_floats(dsub_);
  for (size_t j = 0; j < m_; ++j) {
    scan(v + j * dsub_, 1, panels_.data() + j * per, npanels, dsub_, tables + j * kCodewords, kCodewords);
  }
}

}  // namespace qv
