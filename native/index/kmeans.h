// k-means for the IVF coarse quantiser and the PQ codebooks: sampled initialisation,
// assignment with the batch kernels on the pool, empty clusters split from the largest.
// Seeded, so the same input always gives the same centroids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "../runtime/thread_pool.h"

namespace qv {

using Progress = std::function<void(double fraction)>;

struct KMeansOptions {
  size_t k = 0;
  size_t iterations = 10;
  uint64_t seed = 42;
  // Assign by largest inner product and keep centroids at unit length (IP and COSINE).
  bool spherical = false;
};

// k centroids (row-major) of n points. Needs n >= k.
std::vector<float> kmeans(const float* points, size_t n, size_t dim, const KMeansOptions& options, ThreadPool& pool,
                          const Progress& progress = nullptr);

// labels[i] = the centroid nearest to point i (by L2, or by largest inner product).
void assign_nearest(const float* points, size_t n, const float* centroids, size_t k, size_t dim, bool by_ip,
                    uint32_t* labels, ThreadPool& pool);

// Up to `count` distinct indexes of [0, n), chosen by the seed, in increasing order.
std::vector<uint32_t> sample_indexes(size_t n, size_t count, uint64_t seed);

}  // namespace qv
