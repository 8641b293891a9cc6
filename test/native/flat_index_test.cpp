// FLAT search against a brute-force reference, plus its input checks and concurrency.
#include <algorithm>
#include <cmath>
#include <atomic>
#include <thread>
#include <vector>

#include "common/error.h"
#include "harness.h"
#include "index/flat_index.h"
#include "random.h"

namespace {

// Brute force in double, ties by smaller id: the expected answer.
std::vector<int64_t> reference_topk(const std::vector<float>& base, const std::vector<int64_t>& ids,
                                    const float* q, size_t dim, size_t k, qv::Metric metric,
                                    const std::vector<bool>& skip = {}) {
  std::vector<std::pair<double, int64_t>> all;
  for (size_t r = 0; r < ids.size(); ++r) {
    if (!skip.empty() && skip[r]) continue;
    const float* x = base.data() + r * dim;
    double s = 0, xx = 0, qq = 0;
    for (size_t d = 0; d < dim; ++d) {
      if (metric == qv::Metric::L2) s += (double(x[d]) - q[d]) * (double(x[d]) - q[d]);
      else s += double(x[d]) * q[d];
      xx += double(x[d]) * x[d];
      qq += double(q[d]) * q[d];
    }
    if (metric == qv::Metric::Cosine) s = s / std::sqrt(xx * qq);
    all.emplace_back(metric == qv::Metric::L2 ? s : -s, ids[r]);
  }
  std::sort(all.begin(), all.end());
  std::vector<int64_t> out;
  for (size_t i = 0; i < std::min(k, all.size()); ++i) out.push_back(all[i].second);
  return out;
}

std::vector<int64_t> row_ids(const qv::SearchResult& r, size_t q) {
  return std::vector<int64_t>(r.ids.begin() + q * r.k, r.ids.begin() + q * r.k + r.counts[q]);
}

std::vector<int64_t> sequential_ids(size_t n, int64_t start = 0) {
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = start + int64_t(i);
  return ids;
}

qv::ThreadPool& pool() {
  static qv::ThreadPool p(2);
  return p;
}

}  // namespace

TEST(exact_topk_with_ties_broken_by_smaller_id) {
  // Few distinct values make many equal distances; ids are shuffled so that the smaller
  // id is not simply the earlier row.
  const size_t dim = 8, n = 3000, nq = 20, k = 25;
  const auto base = testdata::integer_vectors(n, dim, 1);
  auto ids = sequential_ids(n, 1000);
  std::reverse(ids.begin(), ids.end());
  const auto queries = testdata::integer_vectors(nq, dim, 2);
  qv::FlatIndex index(dim, qv::Metric::L2);
  index.add(base.data(), ids.data(), n);
  const auto result = index.search(queries.data(), nq, k, {}, pool());
  for (size_t q = 0; q < nq; ++q) {
    CHECK(row_ids(result, q) == reference_topk(base, ids, queries.data() + q * dim, dim, k, qv::Metric::L2));
    for (size_t i = 1; i < k; ++i) CHECK(result.distances[q * k + i - 1] <= result.distances[q * k + i]);
  }
}

TEST(ip_and_cosine_rank_by_similarity) {
  const size_t dim = 31, n = 5000, nq = 7, k = 10;
  const auto base = testdata::uniform_vectors(n, dim, 3);
  const auto ids = sequential_ids(n);
  const auto queries = testdata::uniform_vectors(nq, dim, 4);
  for (qv::Metric metric : {qv::Metric::IP, qv::Metric::Cosine}) {
    qv::FlatIndex index(dim, metric);
    index.add(base.data(), ids.data(), n);
    const auto result = index.search(queries.data(), nq, k, {}, pool());
    for (size_t q = 0; q < nq; ++q) {
      CHECK(row_ids(result, q) == reference_topk(base, ids, queries.data() + q * dim, dim, k, metric));
      for (size_t i = 1; i < k; ++i) CHECK(result.distances[q * k + i - 1] >= result.distances[q * k + i]);
    }
    if (metric == qv::Metric::Cosine) CHECK(result.distances[0] <= 1.0f + 1e-6f);
  }
}

TEST(large_batches_split_across_tiles_and_chunks) {
  // More than one query tile (128) and several row chunks, so every merge path runs.
  const size_t dim = 16, n = 20000, nq = 300, k = 5;
  const auto base = testdata::uniform_vectors(n, dim, 5);
  const auto ids = sequential_ids(n);
  const auto queries = testdata::uniform_vectors(nq, dim, 6);
  qv::FlatIndex index(dim, qv::Metric::L2);
  index.add(base.data(), ids.data(), n);
  const auto batch = index.search(queries.data(), nq, k, {}, pool());
  for (size_t q = 0; q < nq; q += 37) {
    CHECK(row_ids(batch, q) == reference_topk(base, ids, queries.data() + q * dim, dim, k, qv::Metric::L2));
    const auto single = index.search(queries.data() + q * dim, 1, k, {}, pool());
    CHECK(row_ids(single, 0) == row_ids(batch, q));
  }
}

TEST(a_large_scan_is_split_across_threads_and_merged) {
  // Enough work per query that the rows are split into chunks, each with its own heap.
  const size_t dim = 128, n = 50000, nq = 3, k = 20;
  const auto base = testdata::uniform_vectors(n, dim, 13);
  const auto ids = sequential_ids(n);
  const auto queries = testdata::uniform_vectors(nq, dim, 14);
  qv::FlatIndex index(dim, qv::Metric::L2);
  index.add(base.data(), ids.data(), n);
  qv::ThreadPool four(4);
  const auto result = index.search(queries.data(), nq, k, {}, four);
  for (size_t q = 0; q < nq; ++q) {
    CHECK(row_ids(result, q) == reference_topk(base, ids, queries.data() + q * dim, dim, k, qv::Metric::L2));
  }
}

TEST(exclusion_bitset_skips_rows_and_still_returns_k) {
  const size_t dim = 12, n = 4000, k = 50;
  const auto base = testdata::uniform_vectors(n, dim, 7);
  const auto ids = sequential_ids(n);
  const auto query = testdata::uniform_vectors(1, dim, 8);
  qv::FlatIndex index(dim, qv::Metric::L2);
  index.add(base.data(), ids.data(), n);
  // Exclude all rows but every 61st: 66 rows pass, more than k.
  std::vector<uint8_t> bits((n + 7) / 8, 0xFF);
  std::vector<bool> skip(n, true);
  for (size_t r = 0; r < n; r += 61) {
    bits[r / 8] &= uint8_t(~(1u << (r % 8)));
    skip[r] = false;
  }
  const auto result = index.search(query.data(), 1, k, qv::BitsetView(bits.data(), n), pool());
  CHECK_EQ(result.counts[0], uint32_t(k));
  CHECK(row_ids(result, 0) == reference_topk(base, ids, query.data(), dim, k, qv::Metric::L2, skip));
}

// Range search: only hits inside the window come back, the best first, for L2 and IP.
TEST(a_distance_window_keeps_only_hits_inside_it) {
  const size_t dim = 8, n = 3000;
  const auto base = testdata::uniform_vectors(n, dim, 31);
  const auto ids = sequential_ids(n);
  const auto query = testdata::uniform_vectors(1, dim, 32);
  for (qv::Metric metric : {qv::Metric::L2, qv::Metric::IP}) {
    qv::FlatIndex index(dim, metric);
    index.add(base.data(), ids.data(), n);
    const auto all = index.search(query.data(), 1, n, qv::BitsetView(), pool());
    // The scores of ranks 200 and 900 as the bounds (in the metric's own terms).
    const float near = all.distances[200], far = all.distances[900];
    // L2: near <= d < far; IP: far < s <= near (radius is the far bound, range_filter the near one).
    qv::SearchParams ranged_params;
    ranged_params.window = qv::range_window(metric, far, near);
    std::vector<int64_t> expected;
    for (size_t i = 0; i < n; ++i) {
      const float s = all.distances[i];
      const bool inside = metric == qv::Metric::L2 ? s >= near && s < far : s > far && s <= near;
      if (inside) expected.push_back(all.ids[i]);
    }
    const auto ranged = index.search(query.data(), 1, n, qv::BitsetView(), pool(), ranged_params);
    CHECK(row_ids(ranged, 0) == expected);
    const auto top = index.search(query.data(), 1, 10, qv::BitsetView(), pool(), ranged_params);
    CHECK(row_ids(top, 0) == std::vector<int64_t>(expected.begin(), expected.begin() + 10));
  }
}

TEST(removed_ids_are_hidden_and_unknown_ids_ignored) {
  const size_t dim = 4, n = 100;
  const auto base = testdata::uniform_vectors(n, dim, 9);
  const auto ids = sequential_ids(n);
  qv::FlatIndex index(dim, qv::Metric::L2);
  index.add(base.data(), ids.data(), n);
  const int64_t gone[] = {0, 1, 2, 999};
  CHECK_EQ(index.remove(gone, 4), size_t(3));
  CHECK_EQ(index.size(), n - 3);
  CHECK_EQ(index.rows(), n);
  CHECK_EQ(index.row_of(1), int64_t(-1));
  // Searching for a removed vector itself must not return it.
  const auto result = index.search(base.data() + 1 * dim, 1, n, {}, pool());
  CHECK_EQ(result.counts[0], uint32_t(n - 3));
  for (uint32_t i = 0; i < result.counts[0]; ++i) CHECK(result.ids[i] > 2);
  // A removed id can be added again, as a new row.
  const int64_t again = 1;
  index.add(base.data() + dim, &again, 1);
  CHECK_EQ(index.row_of(1), int64_t(n));
}

TEST(k_larger_than_rows_returns_every_row_in_rows_of_that_many_slots) {
  const size_t dim = 3;
  const auto base = testdata::uniform_vectors(5, dim, 10);
  const auto ids = sequential_ids(5);
  qv::FlatIndex index(dim, qv::Metric::L2);
  index.add(base.data(), ids.data(), 5);
  auto result = index.search(base.data(), 1, 8, {}, pool());
  CHECK_EQ(result.k, size_t(5));  // not 8: no row can have more hits than there are vectors
  CHECK_EQ(result.counts[0], uint32_t(5));
  CHECK_EQ(result.ids[0], int64_t(0));
  CHECK_EQ(result.distances[0], 0.0f);
  // A filter that leaves fewer than k rows pads the rest.
  const uint8_t exclude[] = {0b00010};
  result = index.search(base.data(), 1, 8, qv::BitsetView(exclude, 5), pool());
  CHECK_EQ(result.counts[0], uint32_t(4));
  CHECK_EQ(result.ids[4], int64_t(-1));
  CHECK(std::isnan(result.distances[4]));
}

TEST(bad_input_throws_typed_errors_and_adds_nothing) {
  const size_t dim = 4;
  qv::FlatIndex index(dim, qv::Metric::L2);
  std::vector<float> v = testdata::uniform_vectors(3, dim, 11);
  const int64_t ids[] = {1, 2, 3};
  index.add(v.data(), ids, 3);

  std::vector<float> bad = v;
  bad[5] = std::nanf("");
  const int64_t fresh[] = {10, 11, 12};
  CHECK_THROWS_CODE(index.add(bad.data(), fresh, 3), qv::code::kNonFinite);
  bad[5] = INFINITY;
  CHECK_THROWS_CODE(index.add(bad.data(), fresh, 3), qv::code::kNonFinite);
  const int64_t clash[] = {20, 2, 21};
  CHECK_THROWS_CODE(index.add(v.data(), clash, 3), qv::code::kDuplicateId);
  const int64_t repeated[] = {30, 31, 30};
  CHECK_THROWS_CODE(index.add(v.data(), repeated, 3), qv::code::kDuplicateId);
  CHECK_EQ(index.size(), size_t(3));
  CHECK_EQ(index.rows(), size_t(3));

  CHECK_THROWS_CODE(index.search(v.data(), 1, 0, {}, pool()), qv::code::kInvalidK);
  CHECK_THROWS_CODE(index.search(v.data(), 1, qv::kMaxK + 1, {}, pool()), qv::code::kInvalidK);
  CHECK_THROWS_CODE(index.search(bad.data(), 3, 1, {}, pool()), qv::code::kNonFinite);
  CHECK_THROWS_CODE(qv::FlatIndex(0, qv::Metric::L2), qv::code::kInvalidArgument);
  // The largest k is accepted.
  CHECK_EQ(index.search(v.data(), 1, qv::kMaxK, {}, pool()).counts[0], uint32_t(3));
}

TEST(searches_run_safely_alongside_adds) {
  const size_t dim = 32, batch = 500, batches = 20;
  qv::FlatIndex index(dim, qv::Metric::L2);
  const auto data = testdata::uniform_vectors(batch * batches, dim, 12);
  const auto ids = sequential_ids(batch * batches);
  std::atomic<bool> done{false};
  std::atomic<int> searches{0};
  std::thread reader([&] {
    while (!done.load()) {
      const auto r = index.search(data.data(), 1, 10, {}, pool());
      // Row 0 is in the first batch: once anything is there, it is its own nearest.
      if (r.counts[0] > 0) CHECK_EQ(r.ids[0], int64_t(0));
      searches.fetch_add(1);
    }
  });
  // The adds start once the reader runs: on one core they could otherwise all end before it.
  while (searches.load() == 0) std::this_thread::yield();
  for (size_t b = 0; b < batches; ++b) index.add(data.data() + b * batch * dim, ids.data() + b * batch, batch);
  done.store(true);
  reader.join();
  CHECK_EQ(index.size(), batch * batches);
}

TEST(merge_keeps_best_hit_per_id_in_order) {
  qv::SearchResult a(1, 3), b(1, 3);
  a.set_row(0, {{1.0f, 7}, {2.0f, 8}, {5.0f, 9}}, qv::Metric::L2);
  b.set_row(0, {{1.0f, 3}, {1.5f, 7}, {2.0f, 4}}, qv::Metric::L2);
  const auto m = qv::merge_results({&a, &b}, 4, qv::Metric::L2);
  CHECK_EQ(m.counts[0], uint32_t(4));
  const int64_t want[] = {3, 7, 4, 8};  // 3 and 7 tie at 1.0: smaller id first; 4 and 8 tie at 2.0
  for (int i = 0; i < 4; ++i) CHECK_EQ(m.ids[i], want[i]);

  // Similarity metrics merge largest first.
  qv::SearchResult c(1, 2), d(1, 2);
  c.set_row(0, {{-0.9f, 1}, {-0.1f, 2}}, qv::Metric::IP);
  d.set_row(0, {{-0.5f, 3}}, qv::Metric::IP);
  const auto s = qv::merge_results({&c, &d}, 2, qv::Metric::IP);
  CHECK_EQ(s.ids[0], int64_t(1));
  CHECK_EQ(s.ids[1], int64_t(3));
  CHECK_CLOSE(s.distances[0], 0.9, 1e-6);
}

TEST(vectors_come_back_by_row_as_added_cosine_ones_within_rounding) {
  const size_t dim = 19, n = 40;
  std::vector<float> data(n * dim);
  for (size_t i = 0; i < data.size(); ++i) data[i] = float(i % 23) - 7.5f;
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(100 + i);
  qv::FlatIndex l2(dim, qv::Metric::L2), cosine(dim, qv::Metric::Cosine);
  l2.add(data.data(), ids.data(), n);
  cosine.add(data.data(), ids.data(), n);
  const uint32_t rows[] = {0, 17, 39, 17};
  std::vector<float> out(4 * dim);
  l2.vectors(rows, 4, out.data());
  for (size_t i = 0; i < 4; ++i)
    for (size_t d = 0; d < dim; ++d) CHECK_EQ(out[i * dim + d], data[rows[i] * dim + d]);
  cosine.vectors(rows, 4, out.data());
  for (size_t i = 0; i < 4; ++i)
    for (size_t d = 0; d < dim; ++d) CHECK_CLOSE(out[i * dim + d], data[rows[i] * dim + d], 1e-6);
  const uint32_t past[] = {40};
  CHECK_THROWS_CODE(l2.vectors(past, 1, out.data()), qv::code::kInvalidArgument);
}

TEST(shrink_gives_back_the_capacity_growth_left_and_answers_the_same) {
  const size_t dim = 16, n = 9000, nq = 5, k = 7;
  const auto base = testdata::uniform_vectors(n, dim, 8);
  const auto queries = testdata::uniform_vectors(nq, dim, 9);
  const auto ids = sequential_ids(n);
  qv::FlatIndex index(dim, qv::Metric::Cosine);
  for (size_t first = 0; first < n; first += 1000) index.add(base.data() + first * dim, ids.data() + first, 1000);
  const auto before = index.search(queries.data(), nq, k, {}, pool());
  const size_t grown = index.memory_bytes();
  index.shrink();
  CHECK(index.memory_bytes() < grown);
  CHECK(index.memory_bytes() < size_t(double(n * dim * sizeof(float)) * 1.1) + n * sizeof(float) + (size_t(2) << 20));
  const auto after = index.search(queries.data(), nq, k, {}, pool());
  CHECK(before.ids == after.ids);
  CHECK(before.distances == after.distances);
  index.add(base.data(), std::vector<int64_t>{int64_t(n)}.data(), 1);  // still takes rows
  CHECK_EQ(index.rows(), n + 1);
}

TEST(ids_equal_to_row_numbers_need_no_map_until_another_id_comes) {
  const size_t dim = 4, n = 10;
  std::vector<float> data(n * dim);
  for (size_t i = 0; i < data.size(); ++i) data[i] = float(i / dim);  // row r is (r, r, r, r)
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i);
  qv::FlatIndex index(dim, qv::Metric::L2);
  index.add(data.data(), ids.data(), 5);
  index.add(data.data() + 5 * dim, ids.data() + 5, 5);  // 5..9 go on from 5: still dense
  CHECK_EQ(index.rows(), size_t(10));
  CHECK_EQ(index.row_of(7), int64_t(7));
  CHECK_EQ(index.row_of(10), int64_t(-1));
  const int64_t three = 3;
  CHECK_EQ(index.remove(&three, 1), size_t(1));
  CHECK_EQ(index.remove(&three, 1), size_t(0));
  CHECK_EQ(index.row_of(3), int64_t(-1));
  CHECK_THROWS_CODE(index.add(data.data(), ids.data() + 4, 1), qv::code::kDuplicateId);  // id 4 again
  const float q[] = {3.2f, 3.2f, 3.2f, 3.2f};
  auto before = index.search(q, 1, 2, qv::BitsetView(), qv::ThreadPool::shared());
  CHECK_EQ(before.ids[0], int64_t(4));  // 3 is removed
  const int64_t other[] = {100, 3};     // another id: the map is made; a removed id may come back
  index.add(data.data() + 3 * dim, other, 1);
  index.add(data.data() + 3 * dim, other + 1, 1);
  CHECK_EQ(index.rows(), size_t(12));
  CHECK_EQ(index.row_of(100), int64_t(10));
  CHECK_EQ(index.row_of(3), int64_t(11));
  CHECK_EQ(index.row_of(7), int64_t(7));
  auto after = index.search(q, 1, 3, qv::BitsetView(), qv::ThreadPool::shared());
  CHECK_EQ(after.ids[0], int64_t(3));
  CHECK_EQ(after.ids[1], int64_t(100));
  CHECK_EQ(after.ids[2], int64_t(4));
}

TEST_MAIN()
