// Exact search over a mapped vector file: the same answers as FlatIndex for every metric,
// with exclusions and a distance window, vectors read back, and damaged files refused.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "common/error.h"
#include "harness.h"
#include "index/flat_index.h"
#include "index/mapped_flat_index.h"
#include "random.h"

namespace {

qv::ThreadPool& pool() {
  static qv::ThreadPool p(2);
  return p;
}

// Writes the vectors as a segment's vector column file; returns its CRC-32C.
uint32_t write_column(const std::string& path, const std::vector<float>& vectors) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(vectors.data()), std::streamsize(vectors.size() * sizeof(float)));
  return qv::crc32c(vectors.data(), vectors.size() * sizeof(float));
}

std::vector<int64_t> row_ids(const qv::SearchResult& r, size_t q) {
  return std::vector<int64_t>(r.ids.begin() + q * r.k, r.ids.begin() + q * r.k + r.counts[q]);
}

}  // namespace

TEST(answers_as_flat_index_for_every_metric_with_exclusions_and_a_window) {
  // More rows than one pool item scans, so that blocks are merged.
  const size_t dim = 24, n = 40000, nq = 6, k = 12;
  const std::vector<float> base = testdata::uniform_vectors(n, dim, 3);
  const std::vector<float> queries = testdata::uniform_vectors(nq, dim, 4);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i);
  std::vector<uint8_t> hidden((n + 7) / 8, 0);
  for (size_t r = 0; r < n; r += 3) hidden[r >> 3] |= uint8_t(1u << (r & 7));
  const qv::BitsetView exclude(hidden.data(), n);
  const std::string path = "mapped_flat_test.col";
  const uint32_t crc = write_column(path, base);
  for (qv::Metric metric : {qv::Metric::L2, qv::Metric::IP, qv::Metric::Cosine}) {
    qv::FlatIndex flat(dim, metric);
    flat.add(base.data(), ids.data(), n);
    const qv::MappedFlatIndex mapped(path, dim, metric, crc, n);
    CHECK_EQ(mapped.rows(), n);
    CHECK_EQ(mapped.mapped_bytes(), n * dim * sizeof(float));
    const auto a = flat.search(queries.data(), nq, k, exclude, pool(), {});
    const auto b = mapped.search(queries.data(), nq, k, exclude, pool(), {});
    for (size_t q = 0; q < nq; ++q) {
      CHECK(row_ids(a, q) == row_ids(b, q));
      for (size_t i = 0; i < a.counts[q]; ++i) CHECK(std::abs(a.distances[q * a.k + i] - b.distances[q * b.k + i]) < 1e-3f);
    }
    // A window around the tenth best keeps the same hits in both.
    qv::SearchParams window;
    const float tenth = qv::to_internal(a.distances[9], metric);
    window.window.lo = tenth - 0.5f;
    window.window.hi = tenth;
    const auto c = flat.search(queries.data(), 1, k, exclude, pool(), window);
    const auto d = mapped.search(queries.data(), 1, k, exclude, pool(), window);
    CHECK(row_ids(c, 0) == row_ids(d, 0));
  }
  const qv::MappedFlatIndex mapped(path, dim, qv::Metric::L2, crc, n);
  const uint32_t rows[] = {7, 39999, 0};
  std::vector<float> out(3 * dim);
  mapped.vectors(rows, 3, out.data());
  for (size_t i = 0; i < 3; ++i)
    for (size_t d = 0; d < dim; ++d) CHECK_EQ(out[i * dim + d], base[rows[i] * dim + d]);
  const uint32_t past[] = {40000};
  CHECK_THROWS_CODE(mapped.vectors(past, 1, out.data()), qv::code::kInvalidArgument);
  std::remove(path.c_str());
}

TEST(a_damaged_or_missing_file_is_refused) {
  const size_t dim = 8;
  const std::vector<float> base = testdata::uniform_vectors(100, dim, 5);
  const std::string path = "mapped_flat_damaged.col";
  const uint32_t crc = write_column(path, base);
  CHECK_THROWS_CODE(qv::MappedFlatIndex(path, dim, qv::Metric::L2, crc + 1, 100), qv::code::kInvalidFile);
  CHECK_THROWS_CODE(qv::MappedFlatIndex(path, dim, qv::Metric::L2, crc, 101), qv::code::kInvalidFile);  // fewer rows than asked
  std::remove(path.c_str());
  CHECK_THROWS_CODE(qv::MappedFlatIndex(path, dim, qv::Metric::L2, crc, 100), qv::code::kIo);
}

TEST(a_file_padded_past_its_rows_maps_its_rows) {
  // A column file pads its values to 8 bytes: 5 rows of 3 floats are 60 bytes, then 4 of padding.
  const size_t dim = 3, n = 5;
  std::vector<float> padded = testdata::uniform_vectors(n, dim, 6);
  padded.push_back(0);
  const std::string path = "mapped_flat_padded.col";
  const uint32_t crc = write_column(path, padded);
  const qv::MappedFlatIndex mapped(path, dim, qv::Metric::L2, crc, n);
  CHECK_EQ(mapped.rows(), n);
  const auto hits = mapped.search(padded.data() + 4 * dim, 1, 10, {}, pool(), {});
  CHECK_EQ(hits.counts[0], uint32_t(n));
  CHECK_EQ(hits.ids[0], int64_t(4));
  std::remove(path.c_str());
}

TEST_MAIN()
