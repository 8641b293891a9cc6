#include "kernels.h"

#include "panel_layout.h"

#include <cmath>
#include <cstdlib>
#include <vector>

namespace qv {

const Kernels* kernels_for(Isa isa) {
  if (!isa_supported(isa)) return nullptr;
  switch (isa) {
    case Isa::Scalar: return scalar_kernels();
    case Isa::Avx2: return avx2_kernels();
    case Isa::Avx512: return avx512_kernels();
    case Isa::Neon: return neon_kernels();
  }
  return nullptr;
}

const Kernels& kernels() {
  static const Kernels* active = [] {
    // QUIVERDB_SIMD lets benchmarks and tests pin a variant; an unsupported or unknown
    // name falls back to the best one rather than failing at load time.
    Isa isa = best_isa();
    if (const char* forced = std::getenv("QUIVERDB_SIMD")) {
      Isa wanted;
      if (parse_isa(forced, &wanted) && isa_supported(wanted)) isa = wanted;
    }
    return kernels_for(isa);
  }();
  return *active;
}

void pack_rows(const float* rows, size_t n, size_t dim, float* panels, size_t first_row) {
  for (size_t i = 0; i < n; ++i) panel_put(panels, dim, first_row + i, rows + i * dim);
}

void normalize_rows(float* rows, size_t n, size_t dim) {
  for (size_t i = 0; i < n; ++i) {
    float* row = rows + i * dim;
    double norm = 0;
    for (size_t d = 0; d < dim; ++d) norm += double(row[d]) * row[d];
    if (norm == 0) continue;
    const float inv = float(1.0 / std::sqrt(norm));
    for (size_t d = 0; d < dim; ++d) row[d] *= inv;
  }
}

const float* unit_rows_if(bool normalize, const float* rows, size_t n, size_t dim, std::vector<float>& storage) {
  if (!normalize) return rows;
  storage.assign(rows, rows + n * dim);
  normalize_rows(storage.data(), n, dim);
  return storage.data();
}

void distances(const Kernels& k, Metric metric, const float* queries, size_t nq, const float* base,
               size_t n, size_t dim, float* out) {
  const bool cosine = metric == Metric::Cosine;
  std::vector<float> qn, bn;
  queries = unit_rows_if(cosine, queries, nq, dim, qn);
  base = unit_rows_if(cosine, base, n, dim, bn);
  const size_t npanels = panel_count(n);
  std::vector<float> panels(npanels * panel_floats(dim), 0.0f);
  pack_rows(base, n, dim, panels.data(), 0);
  std::vector<float> scores(nq * npanels * kPanelWidth);
  const PanelScan scan = metric == Metric::L2 ? k.scan_l2sq : k.scan_neg_ip;
  scan(queries, nq, panels.data(), npanels, dim, scores.data(), npanels * kPanelWidth);
  const float sign = metric == Metric::L2 ? 1.0f : -1.0f;
  for (size_t q = 0; q < nq; ++q) {
    const float* row = scores.data() + q * npanels * kPanelWidth;
    for (size_t r = 0; r < n; ++r) out[q * n + r] = sign * row[r];
  }
}

}  // namespace qv
