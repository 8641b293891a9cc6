#include "kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "../kernels/kernels.h"

namespace qv {

namespace {
constexpr size_t kAssignBlock = 256;  // points scored together against all centroids
}  // namespace

std::vector<uint32_t> sample_indexes(size_t n, size_t count, uint64_t seed) {
  std::vector<uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0u);
  if (count >= n) return all;
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < count; ++i) std::swap(all[i], all[i + rng() % (n - i)]);  // partial Fisher-Yates
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

void assign_nearest(const float* points, size_t n, const float* centroids, size_t k, size_t dim, bool by_ip,
                    uint32_t* labels, ThreadPool& pool) {
  const size_t npanels = panel_count(k);
  std::vector<float> panels(npanels * panel_floats(dim), 0.0f);
  pack_rows(centroids, k, dim, panels.data(), 0);
  const Kernels& kern = kernels();
  const PanelScan scan = by_ip ? kern.scan_neg_ip : kern.scan_l2sq;
  const size_t ld = npanels * kPanelWidth;
  const size_t blocks = (n + kAssignBlock - 1) / kAssignBlock;
  pool.parallel_for(blocks, [&](size_t b) {
    const size_t first = b * kAssignBlock, count = std::min(kAssignBlock, n - first);
    std::vector<float> scores(count * ld);
    scan(points + first * dim, count, panels.data(), npanels, dim, scores.data(), ld);
    for (size_t i = 0; i < count; ++i) {
      const float* s = scores.data() + i * ld;
      labels[first + i] = uint32_t(std::min_element(s, s + k) - s);
    }
  });
}

std::vector<float> kmeans(const float* points, size_t n, size_t dim, const KMeansOptions& options, ThreadPool& pool,
                          const Progress& progress) {
  const size_t k = options.k;
  std::vector<float> centroids(k * dim);
  // Start from k distinct points chosen by the seed.
  const std::vector<uint32_t> starts = sample_indexes(n, k, options.seed);
  for (size_t c = 0; c < k; ++c) std::copy(points + starts[c] * dim, points + (starts[c] + 1) * dim, centroids.begin() + c * dim);
  if (options.spherical) normalize_rows(centroids.data(), k, dim);

  std::vector<uint32_t> labels(n, UINT32_MAX), previous;
  const size_t chunks = std::max<size_t>(1, std::min(pool.size(), n / 1024));
  std::vector<std::vector<double>> sums(chunks);
  std::vector<std::vector<size_t>> counts(chunks);
  std::mt19937_64 rng(options.seed ^ 0x5bd1e995u);
  for (size_t it = 0; it < options.iterations; ++it) {
    previous = labels;
    assign_nearest(points, n, centroids.data(), k, dim, options.spherical, labels.data(), pool);

    // New centroids: per-chunk sums in double, added together.
    pool.parallel_for(chunks, [&](size_t c) {
      sums[c].assign(k * dim, 0.0);
      counts[c].assign(k, 0);
      for (size_t i = c * n / chunks; i < (c + 1) * n / chunks; ++i) {
        const float* p = points + i * dim;
        double* s = sums[c].data() + size_t(labels[i]) * dim;
        for (size_t d = 0; d < dim; ++d) s[d] += p[d];
        ++counts[c][labels[i]];
      }
    });
    std::vector<size_t> size(k, 0);
    for (size_t c = 0; c < k; ++c) {
      for (size_t ch = 0; ch < chunks; ++ch) size[c] += counts[ch][c];
      if (size[c] == 0) continue;
      for (size_t d = 0; d < dim; ++d) {
        double s = 0;
        for (size_t ch = 0; ch < chunks; ++ch) s += sums[ch][c * dim + d];
        centroids[c * dim + d] = float(s / double(size[c]));
      }
    }
    // An empty cluster takes half of a large one: copy its centroid and push the two
    // apart slightly, so the next assignment splits its points between them.
    for (size_t c = 0; c < k; ++c) {
      if (size[c] != 0) continue;
      size_t big = 0;
      for (size_t attempt = 0; attempt < 8; ++attempt) {  // prefer large clusters, as faiss does
        const size_t pick = rng() % k;
        if (size[pick] > size[big]) big = pick;
      }
      if (size[big] <= 1) big = size_t(std::max_element(size.begin(), size.end()) - size.begin());
      for (size_t d = 0; d < dim; ++d) {
        const float x = centroids[big * dim + d];
        const float delta = (d % 2 == 0 ? 1.0f : -1.0f) * (std::fabs(x) + 1e-3f) / 1024.0f;
        centroids[c * dim + d] = x + delta;
        centroids[big * dim + d] = x - delta;
      }
      size[c] = size[big] / 2;
      size[big] -= size[c];
    }
    if (options.spherical) normalize_rows(centroids.data(), k, dim);
    if (progress) progress(double(it + 1) / double(options.iterations));

    size_t changed = 0;
    for (size_t i = 0; i < n; ++i) changed += labels[i] != previous[i];
    if (it > 0 && changed * 1000 < n) break;  // fewer than 0.1% moved: converged
  }
  return centroids;
}

}  // namespace qv
