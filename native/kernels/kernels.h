// Distance kernels on float32: one table of function pointers per instruction set,
// chosen once at start-up. No N-API here; the engine is usable and tested on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "isa.h"

namespace qv {

enum class Metric { L2, IP, Cosine };

// Vectors in "panel" layout: rows are grouped 16 at a time and each group is stored
// dimension-major (for d: 16 floats, one per row). A scan then computes 16 distances
// per SIMD step without any horizontal reduction, which is what lets one query run at
// memory bandwidth and a batch of queries run at the FMA rate.
inline constexpr size_t kPanelWidth = 16;

inline size_t panel_count(size_t rows) { return (rows + kPanelWidth - 1) / kPanelWidth; }
inline size_t panel_floats(size_t dim) { return dim * kPanelWidth; }

// Scores queries (nq x dim, row-major) against `npanels` consecutive panels and writes
// out[q * ld + r] for every row r of those panels (padding rows included). Every scan's
// output is "smaller is better", so that search code has one comparison for all metrics.
using PanelScan = void (*)(const float* queries, size_t nq, const float* panels, size_t npanels,
                           size_t dim, float* out, size_t ld);

// Scores queries against 8-bit scalar-quantised rows in panel layout (per panel, for d: 16
// codes); each query q is given by its terms a + q * dim, and writes out[q * ld + r]. L2 form:
// out[r] = sum_d w[d] * (code[r][d] - a[d])^2; IP form: out[r] = -sum_d a[d] * code[r][d] (w
// unused). The caller folds the quantiser's offsets into a and w (w is the same for every query).
using Sq8Scan = void (*)(const float* a, size_t nq, const float* w, const uint8_t* panels, size_t npanels, size_t dim,
                         float* out, size_t ld);

// Product-quantisation lookup: out[r] = sum_j tables[j * 256 + code[r][j]] for rows whose
// m one-byte codes are stored in panel layout (per panel, for j: 16 codes).
using PqScan = void (*)(const float* tables, const uint8_t* panels, size_t npanels, size_t m, float* out);

struct Kernels {
  Isa isa;
  float (*l2sq)(const float* a, const float* b, size_t dim);    // squared Euclidean distance
  float (*ip)(const float* a, const float* b, size_t dim);      // inner product
  float (*cosine)(const float* a, const float* b, size_t dim);  // cosine similarity; 0 for a zero vector
  PanelScan scan_l2sq;   // squared Euclidean distance
  PanelScan scan_neg_ip;  // minus the inner product
  Sq8Scan scan_sq8_l2;
  Sq8Scan scan_sq8_neg_ip;
  PqScan scan_pq;
  // Runs `iterations` rounds of independent FMAs and returns how many scalar FMAs that was.
  double (*fma_probe)(uint64_t iterations);
};

// The kernels in use: the best ISA of this CPU, or the one named by QUIVERDB_SIMD when
// this CPU supports it.
const Kernels& kernels();

// The kernels of one ISA, or nullptr when this build or CPU has none.
const Kernels* kernels_for(Isa isa);

// Copies `n` row-major vectors into panel layout, as rows first_row.. of `panels`.
// The panels must already be allocated; padding lanes are left untouched.
void pack_rows(const float* rows, size_t n, size_t dim, float* panels, size_t first_row);

// Scales each row to unit length (rows of zeros stay zero).
void normalize_rows(float* rows, size_t n, size_t dim);

// `rows` as they are or, when `normalize` (COSINE), a unit-length copy held in `storage`.
const float* unit_rows_if(bool normalize, const float* rows, size_t n, size_t dim, std::vector<float>& storage);

// Scores every query against every row of a row-major base, nq x n, into out (row-major),
// in the metric's own terms (squared L2, inner product, cosine similarity). For COSINE
// both sides are normalised first. A convenience over pack_rows + scan.
void distances(const Kernels& k, Metric metric, const float* queries, size_t nq, const float* base,
               size_t n, size_t dim, float* out);

// Per-ISA tables (nullptr when the ISA is not compiled into this build).
const Kernels* scalar_kernels();
const Kernels* avx2_kernels();
const Kernels* avx512_kernels();
const Kernels* neon_kernels();

}  // namespace qv
