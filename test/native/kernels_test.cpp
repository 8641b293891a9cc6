// Every SIMD variant against the scalar one and against a double-precision reference, on
// odd dimensions and unaligned inputs.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.h"
#include "harness.h"
#include "kernels/kernels.h"
#include "random.h"

namespace {

const size_t kDims[] = {1, 3, 17, 100, 128, 784, 1536};

double ref_l2sq(const float* a, const float* b, size_t dim) {
  double s = 0;
  for (size_t d = 0; d < dim; ++d) s += (double(a[d]) - b[d]) * (double(a[d]) - b[d]);
  return s;
}
double ref_ip(const float* a, const float* b, size_t dim) {
  double s = 0;
  for (size_t d = 0; d < dim; ++d) s += double(a[d]) * b[d];
  return s;
}
// Sum of |a_d * b_d| (or of the squared differences): the scale rounding errors grow with,
// even when the result itself is small because terms cancel.
double magnitude(const float* a, const float* b, size_t dim, bool l2) {
  double s = 0;
  for (size_t d = 0; d < dim; ++d) s += l2 ? (double(a[d]) - b[d]) * (double(a[d]) - b[d]) : std::fabs(double(a[d]) * b[d]);
  return s;
}

double ref_cosine(const float* a, const float* b, size_t dim) {
  const double aa = ref_ip(a, a, dim), bb = ref_ip(b, b, dim);
  return aa == 0 || bb == 0 ? 0 : ref_ip(a, b, dim) / std::sqrt(aa * bb);
}

// A copy of v that starts one float past a 64-byte boundary, so no load is aligned.
struct Unaligned {
  explicit Unaligned(const std::vector<float>& v) : storage(v.size() + 16) {
    std::copy(v.begin(), v.end(), storage.begin() + 1);
  }
  const float* data() const { return storage.data() + 1; }
  std::vector<float> storage;
};

std::vector<const qv::Kernels*> all_variants() {
  std::vector<const qv::Kernels*> out;
  for (qv::Isa isa : qv::supported_isas()) out.push_back(qv::kernels_for(isa));
  return out;
}

}  // namespace

TEST(every_supported_isa_has_kernels) {
  std::printf("variants under test:");
  for (qv::Isa isa : qv::supported_isas()) std::printf(" %s", qv::isa_name(isa));
  std::printf("\n");
  for (qv::Isa isa : qv::supported_isas()) CHECK(qv::kernels_for(isa) != nullptr);
  CHECK(qv::kernels_for(qv::Isa::Scalar) != nullptr);
}

TEST(dispatch_picks_the_widest_supported_isa) {
  const qv::Isa best = qv::best_isa();
  CHECK(qv::isa_supported(best));
  if (qv::isa_supported(qv::Isa::Avx512)) CHECK(best == qv::Isa::Avx512);
  else if (qv::isa_supported(qv::Isa::Avx2)) CHECK(best == qv::Isa::Avx2);
  else if (qv::isa_supported(qv::Isa::Neon)) CHECK(best == qv::Isa::Neon);
#if defined(__aarch64__)
  CHECK(best == qv::Isa::Neon);
#endif
}

TEST(pair_kernels_match_reference_on_odd_dims_unaligned) {
  for (const qv::Kernels* k : all_variants()) {
    for (size_t dim : kDims) {
      const Unaligned a(testdata::uniform_vectors(1, dim, 1 + dim));
      const Unaligned b(testdata::uniform_vectors(1, dim, 2 + dim));
      CHECK_CLOSE(k->l2sq(a.data(), b.data(), dim), ref_l2sq(a.data(), b.data(), dim), 1e-5);
      CHECK_CLOSE(k->ip(a.data(), b.data(), dim), ref_ip(a.data(), b.data(), dim), 1e-5);
      CHECK_CLOSE(k->cosine(a.data(), b.data(), dim), ref_cosine(a.data(), b.data(), dim), 1e-5);
    }
  }
}

TEST(pair_kernels_agree_with_scalar) {
  const qv::Kernels* scalar = qv::kernels_for(qv::Isa::Scalar);
  for (const qv::Kernels* k : all_variants()) {
    for (size_t dim : kDims) {
      const Unaligned a(testdata::uniform_vectors(1, dim, 3 * dim));
      const Unaligned b(testdata::uniform_vectors(1, dim, 5 * dim));
      CHECK_CLOSE(k->l2sq(a.data(), b.data(), dim), scalar->l2sq(a.data(), b.data(), dim), 1e-5);
      CHECK_CLOSE(k->ip(a.data(), b.data(), dim), scalar->ip(a.data(), b.data(), dim), 1e-5);
      CHECK_CLOSE(k->cosine(a.data(), b.data(), dim), scalar->cosine(a.data(), b.data(), dim), 1e-5);
    }
  }
}

TEST(cosine_of_a_zero_vector_is_zero) {
  const std::vector<float> zero(17, 0.0f), one(17, 1.0f);
  for (const qv::Kernels* k : all_variants()) CHECK_EQ(k->cosine(zero.data(), one.data(), 17), 0.0f);
}

// Panel scans of nq queries against n rows, unaligned, every shape of partial block.
TEST(panel_scans_match_scalar_and_reference) {
  const qv::Kernels* scalar = qv::kernels_for(qv::Isa::Scalar);
  for (const qv::Kernels* k : all_variants()) {
    for (size_t dim : kDims) {
      for (size_t nq : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(13)}) {
        for (size_t n : {size_t(1), size_t(15), size_t(16), size_t(17), size_t(70)}) {
          if (dim >= 784 && (nq > 3 || n > 17)) continue;  // keep the largest cases quick
          const auto base = testdata::uniform_vectors(n, dim, 7 * n + dim);
          const Unaligned queries(testdata::uniform_vectors(nq, dim, 11 * nq + dim));
          const size_t np = qv::panel_count(n);
          std::vector<float> panels(np * qv::panel_floats(dim), 0.0f);
          qv::pack_rows(base.data(), n, dim, panels.data(), 0);
          const Unaligned shifted(panels);
          const size_t ld = np * qv::kPanelWidth;
          for (bool l2 : {true, false}) {
            std::vector<float> got(nq * ld), want(nq * ld);
            (l2 ? k->scan_l2sq : k->scan_neg_ip)(queries.data(), nq, shifted.data(), np, dim, got.data(), ld);
            (l2 ? scalar->scan_l2sq : scalar->scan_neg_ip)(queries.data(), nq, panels.data(), np, dim, want.data(), ld);
            for (size_t q = 0; q < nq; ++q) {
              for (size_t r = 0; r < n; ++r) {
                const float* qv_ = queries.data() + q * dim;
                const float* row = base.data() + r * dim;
                const double ref = l2 ? ref_l2sq(qv_, row, dim) : -ref_ip(qv_, row, dim);
                const double tolerance = 1e-5 * std::fmax(1.0, magnitude(qv_, row, dim, l2));
                CHECK(std::fabs(got[q * ld + r] - want[q * ld + r]) <= tolerance);
                CHECK(std::fabs(got[q * ld + r] - ref) <= tolerance);
              }
            }
          }
        }
      }
    }
  }
}

// On integer data every variant computes L2 exactly, so ties are ties on every CPU.
TEST(l2_scan_is_exact_on_integer_data) {
  const size_t dim = 128, n = 50, nq = 5;
  const auto base = testdata::integer_vectors(n, dim, 3);
  const auto queries = testdata::integer_vectors(nq, dim, 4);
  for (const qv::Kernels* k : all_variants()) {
    std::vector<float> out(nq * n);
    qv::distances(*k, qv::Metric::L2, queries.data(), nq, base.data(), n, dim, out.data());
    for (size_t q = 0; q < nq; ++q)
      for (size_t r = 0; r < n; ++r)
        CHECK_EQ(double(out[q * n + r]), ref_l2sq(queries.data() + q * dim, base.data() + r * dim, dim));
  }
}

TEST(distances_helper_covers_all_metrics) {
  const size_t dim = 33, n = 21, nq = 4;
  const auto base = testdata::uniform_vectors(n, dim, 8);
  const auto queries = testdata::uniform_vectors(nq, dim, 9);
  std::vector<float> out(nq * n);
  for (qv::Metric metric : {qv::Metric::L2, qv::Metric::IP, qv::Metric::Cosine}) {
    qv::distances(qv::kernels(), metric, queries.data(), nq, base.data(), n, dim, out.data());
    for (size_t q = 0; q < nq; ++q) {
      for (size_t r = 0; r < n; ++r) {
        const float* a = queries.data() + q * dim;
        const float* b = base.data() + r * dim;
        const double ref = metric == qv::Metric::L2 ? ref_l2sq(a, b, dim)
                           : metric == qv::Metric::IP ? ref_ip(a, b, dim)
                                                      : ref_cosine(a, b, dim);
        CHECK_CLOSE(out[q * n + r], ref, 1e-5);
      }
    }
  }
}

// IVF searches a list once for every query of a batch that probes it: a query's scores must
// not depend on how many others share the batch.
TEST(sq8_scan_of_a_batch_gives_each_query_the_bits_it_gets_alone) {
  testdata::Rng rng(78);
  for (const qv::Kernels* k : all_variants()) {
    for (size_t dim : {size_t(3), size_t(100), size_t(128)}) {
      const size_t npanels = 2, rows = npanels * qv::kPanelWidth, nq = 11, ld = rows + 5;
      std::vector<uint8_t> codes(npanels * dim * qv::kPanelWidth);
      for (auto& c : codes) c = uint8_t(rng.next());
      const auto a = testdata::uniform_vectors(nq, dim, dim + 3);
      auto w = testdata::uniform_vectors(1, dim, dim + 4);
      for (float& x : w) x = std::fabs(x);
      for (qv::Sq8Scan scan : {k->scan_sq8_l2, k->scan_sq8_neg_ip}) {
        std::vector<float> batch(nq * ld), alone(rows);
        scan(a.data(), nq, w.data(), codes.data(), npanels, dim, batch.data(), ld);
        for (size_t q = 0; q < nq; ++q) {
          scan(a.data() + q * dim, 1, w.data(), codes.data(), npanels, dim, alone.data(), rows);
          CHECK(std::equal(alone.begin(), alone.end(), batch.begin() + q * ld));
        }
      }
    }
  }
}

TEST(sq8_and_pq_scans_match_reference_on_every_variant) {
  testdata::Rng rng(77);
  for (const qv::Kernels* k : all_variants()) {
    for (size_t dim : kDims) {
      const size_t npanels = 3, rows = npanels * qv::kPanelWidth;
      // Codes in panel layout, one byte more so the copy can start unaligned.
      std::vector<uint8_t> storage(npanels * dim * qv::kPanelWidth + 1);
      for (auto& c : storage) c = uint8_t(rng.next());
      const uint8_t* codes = storage.data() + 1;
      const auto a = testdata::uniform_vectors(1, dim, dim + 1);
      auto w = testdata::uniform_vectors(1, dim, dim + 2);
      for (float& x : w) x = std::fabs(x);
      std::vector<float> l2(rows), ip(rows);
      k->scan_sq8_l2(a.data(), 1, w.data(), codes, npanels, dim, l2.data(), rows);
      k->scan_sq8_neg_ip(a.data(), 1, w.data(), codes, npanels, dim, ip.data(), rows);
      for (size_t r = 0; r < rows; ++r) {
        double want_l2 = 0, want_ip = 0, scale = 0;
        for (size_t d = 0; d < dim; ++d) {
          const double c = codes[(r / qv::kPanelWidth) * dim * qv::kPanelWidth + d * qv::kPanelWidth + r % qv::kPanelWidth];
          want_l2 += w[d] * (c - a[d]) * (c - a[d]);
          want_ip -= a[d] * c;
          scale += std::fabs(a[d] * c);
        }
        CHECK_CLOSE(l2[r], want_l2, 1e-5);
        CHECK(std::fabs(ip[r] - want_ip) <= 1e-5 * std::fmax(1.0, scale));
      }
    }
    for (size_t m : {size_t(1), size_t(3), size_t(8), size_t(17), size_t(64)}) {
      const size_t npanels = 2, rows = npanels * qv::kPanelWidth;
      std::vector<uint8_t> storage(npanels * m * qv::kPanelWidth + 1);
      for (auto& c : storage) c = uint8_t(rng.next());
      const uint8_t* codes = storage.data() + 1;
      const auto tables = testdata::uniform_vectors(m, 256, m);
      std::vector<float> out(rows);
      k->scan_pq(tables.data(), codes, npanels, m, out.data());
      for (size_t r = 0; r < rows; ++r) {
        double want = 0;
        for (size_t j = 0; j < m; ++j)
          want += tables[j * 256 + codes[(r / qv::kPanelWidth) * m * qv::kPanelWidth + j * qv::kPanelWidth + r % qv::kPanelWidth]];
        CHECK_CLOSE(out[r], want, 1e-5);
      }
    }
  }
}

TEST(fma_probe_counts_its_work) {
  for (const qv::Kernels* k : all_variants()) {
    const double done = k->fma_probe(1000);
    CHECK(done >= 1000.0 * 12);
  }
}

TEST_MAIN()
