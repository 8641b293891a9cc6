// IVF_FLAT, IVF_SQ8 and IVF_PQ: recall on clustered data, exactness at full probe,
// filters, removal, persistence and the typed errors.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "common/error.h"
#include "harness.h"
#include "index/flat_index.h"
#include "index/ivf_index.h"
#include "random.h"

namespace {

qv::ThreadPool& pool() {
  static qv::ThreadPool p(2);
  return p;
}

// Points around `clusters` centres: the shape IVF is built for.
std::vector<float> clustered(size_t n, size_t dim, size_t clusters, uint64_t seed) {
  testdata::Rng rng(seed);
  std::vector<float> centres(clusters * dim), out(n * dim);
  for (float& c : centres) c = rng.uniform() * 10;
  for (size_t i = 0; i < n; ++i) {
    const size_t c = rng.next() % clusters;
    for (size_t d = 0; d < dim; ++d) out[i * dim + d] = centres[c * dim + d] + rng.uniform();
  }
  return out;
}

std::vector<int64_t> iota_ids(size_t n) {
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int64_t(i);
  return ids;
}

double recall(const qv::SearchResult& got, const qv::SearchResult& truth, size_t k) {
  size_t hits = 0;
  for (size_t q = 0; q < got.nq; ++q) {
    std::set<int64_t> want(truth.ids.begin() + q * truth.k, truth.ids.begin() + q * truth.k + k);
    for (size_t i = 0; i < got.counts[q]; ++i) hits += want.count(got.ids[q * got.k + i]);
  }
  return double(hits) / double(got.nq * k);
}

qv::IvfParams params(qv::IvfKind kind, qv::Metric metric, size_t dim, size_t nlist, size_t m = 0) {
  qv::IvfParams p;
  p.kind = kind;
  p.metric = metric;
  p.dim = dim;
  p.nlist = nlist;
  p.m = m;
  return p;
}

struct Fixture {
  size_t dim = 32, n = 6000, nq = 50, k = 10;
  std::vector<float> base = clustered(n, dim, 40, 1);
  std::vector<float> queries = clustered(nq, dim, 40, 2);
  std::vector<int64_t> ids = iota_ids(n);
  qv::SearchResult truth(qv::Metric metric) const {
    qv::FlatIndex flat(dim, metric);
    flat.add(base.data(), ids.data(), n);
    return flat.search(queries.data(), nq, k, {}, pool());
  }
};

}  // namespace

TEST(every_kind_and_metric_reaches_high_recall) {
  const Fixture f;
  for (qv::Metric metric : {qv::Metric::L2, qv::Metric::IP, qv::Metric::Cosine}) {
    const auto truth = f.truth(metric);
    for (qv::IvfKind kind : {qv::IvfKind::Flat, qv::IvfKind::Sq8, qv::IvfKind::Pq}) {
      auto p = params(kind, metric, f.dim, 64, 16);
      p.keep_raw = true;
      qv::IvfIndex index(p);
      index.train(f.base.data(), f.n, pool());
      index.add(f.base.data(), f.ids.data(), f.n, pool());
      CHECK_EQ(index.size(), f.n);
      qv::SearchParams options;
      options.nprobe = 16;
      options.refine = kind == qv::IvfKind::Pq ? 4 : 1;
      const double r = recall(index.search(f.queries.data(), f.nq, f.k, {}, pool(), options), truth, f.k);
      std::printf("  %s metric %d: recall@10 = %.3f\n", qv::ivf_kind_name(kind), int(metric), r);
      CHECK(r >= (kind == qv::IvfKind::Flat ? 0.97 : 0.85));
    }
  }
}

TEST(ivf_flat_probing_every_list_is_exact) {
  const Fixture f;
  const auto truth = f.truth(qv::Metric::L2);
  qv::IvfIndex index(params(qv::IvfKind::Flat, qv::Metric::L2, f.dim, 32));
  index.train(f.base.data(), f.n, pool());
  index.add(f.base.data(), f.ids.data(), f.n, pool());
  qv::SearchParams all;
  all.nprobe = 32;
  const auto got = index.search(f.queries.data(), f.nq, f.k, {}, pool(), all);
  CHECK(got.ids == truth.ids);
  CHECK(got.distances == truth.distances);
}

TEST(a_querys_hits_do_not_depend_on_the_batch_it_is_searched_in) {
  // A batch is searched list by list (each list once for every query that probes it), in
  // groups sized by the pool: alone, in a batch, on one thread or several, the same bits.
  const Fixture f;
  qv::ThreadPool one(1);
  for (qv::IvfKind kind : {qv::IvfKind::Flat, qv::IvfKind::Sq8, qv::IvfKind::Pq}) {
    for (qv::Metric metric : {qv::Metric::L2, qv::Metric::IP}) {
      qv::IvfIndex index(params(kind, metric, f.dim, 64, 16));
      index.train(f.base.data(), f.n, pool());
      index.add(f.base.data(), f.ids.data(), f.n, pool());
      qv::SearchParams options;
      options.nprobe = 8;
      const auto batch = index.search(f.queries.data(), f.nq, f.k, {}, pool(), options);
      const auto serial = index.search(f.queries.data(), f.nq, f.k, {}, one, options);
      CHECK(serial.ids == batch.ids);
      CHECK(std::memcmp(serial.distances.data(), batch.distances.data(), batch.distances.size() * sizeof(float)) == 0);
      for (size_t q = 0; q < f.nq; q += 7) {
        const auto alone = index.search(f.queries.data() + q * f.dim, 1, f.k, {}, pool(), options);
        CHECK(std::equal(alone.ids.begin(), alone.ids.end(), batch.ids.begin() + q * f.k));
        CHECK(std::memcmp(alone.distances.data(), batch.distances.data() + q * f.k, f.k * sizeof(float)) == 0);
      }
    }
  }
}

TEST(a_range_search_probing_every_list_keeps_exactly_the_window) {
  const Fixture f;
  for (qv::Metric metric : {qv::Metric::L2, qv::Metric::IP}) {
    qv::FlatIndex flat(f.dim, metric);
    flat.add(f.base.data(), f.ids.data(), f.n);
    const auto all = flat.search(f.queries.data(), 1, f.n, {}, pool());
    const float near = all.distances[20], far = all.distances[300];
    qv::SearchParams ranged;
    ranged.window = qv::range_window(metric, far, near);
    const auto expected = flat.search(f.queries.data(), 1, f.n, {}, pool(), ranged);
    qv::IvfIndex index(params(qv::IvfKind::Flat, metric, f.dim, 32));
    index.train(f.base.data(), f.n, pool());
    index.add(f.base.data(), f.ids.data(), f.n, pool());
    ranged.nprobe = 32;
    const auto got = index.search(f.queries.data(), 1, f.n, {}, pool(), ranged);
    CHECK(got.counts[0] == expected.counts[0]);
    CHECK(std::vector<int64_t>(got.ids.begin(), got.ids.begin() + got.counts[0]) ==
          std::vector<int64_t>(expected.ids.begin(), expected.ids.begin() + expected.counts[0]));
    // With few lists probed it keeps fewer hits, never one outside the window.
    ranged.nprobe = 2;
    const auto few = index.search(f.queries.data(), 1, f.n, {}, pool(), ranged);
    CHECK(few.counts[0] <= expected.counts[0]);
    for (size_t i = 0; i < few.counts[0]; ++i) {
      const float d = few.distances[i];
      CHECK(metric == qv::Metric::L2 ? d >= near && d < far : d > far && d <= near);
    }
  }
}

TEST(pq_refinement_improves_recall) {
  const Fixture f;
  const auto truth = f.truth(qv::Metric::L2);
  auto p = params(qv::IvfKind::Pq, qv::Metric::L2, f.dim, 32, 4);
  p.keep_raw = true;
  qv::IvfIndex index(p);
  index.train(f.base.data(), f.n, pool());
  index.add(f.base.data(), f.ids.data(), f.n, pool());
  qv::SearchParams plain, refined;
  plain.nprobe = refined.nprobe = 32;
  refined.refine = 8;
  const double r0 = recall(index.search(f.queries.data(), f.nq, f.k, {}, pool(), plain), truth, f.k);
  const double r1 = recall(index.search(f.queries.data(), f.nq, f.k, {}, pool(), refined), truth, f.k);
  std::printf("  IVF_PQ m=4: recall@10 %.3f by codes alone, %.3f re-ranked\n", r0, r1);
  CHECK(r1 > r0 + 0.1);
  CHECK(r1 >= 0.9);
}

TEST(filtered_search_returns_k_when_k_rows_pass_even_outside_the_probed_lists) {
  const Fixture f;
  qv::IvfIndex index(params(qv::IvfKind::Sq8, qv::Metric::L2, f.dim, 64));
  index.train(f.base.data(), f.n, pool());
  index.add(f.base.data(), f.ids.data(), f.n, pool());
  // Only 12 rows pass, scattered over the whole set.
  std::vector<uint8_t> bits((f.n + 7) / 8, 0xFF);
  std::set<int64_t> passing;
  for (size_t r = 7; r < f.n; r += 500) {
    bits[r / 8] &= uint8_t(~(1u << (r % 8)));
    passing.insert(int64_t(r));
  }
  qv::SearchParams one;
  one.nprobe = 1;
  const auto got = index.search(f.queries.data(), f.nq, f.k, qv::BitsetView(bits.data(), f.n), pool(), one);
  for (size_t q = 0; q < f.nq; ++q) {
    CHECK_EQ(got.counts[q], uint32_t(f.k));
    for (size_t i = 0; i < f.k; ++i) CHECK(passing.count(got.ids[q * f.k + i]) == 1);
  }
}

// Small ids are kept densely, others in a map (id_locations.h): both kinds, and the switch
// between them, give the same results.
TEST(arbitrary_ids_after_dense_ones_are_found_removed_and_saved) {
  const Fixture f;
  std::vector<int64_t> ids = f.ids;
  for (size_t i = f.n / 2; i < f.n; ++i) ids[i] = int64_t(i) * 1'000'000'007 - 5'000'000'000'000;  // huge and negative ones
  qv::IvfIndex index(params(qv::IvfKind::Flat, qv::Metric::L2, f.dim, 16));
  index.train(f.base.data(), f.n, pool());
  index.add(f.base.data(), ids.data(), f.n / 2, pool());
  index.add(f.base.data() + (f.n / 2) * f.dim, ids.data() + f.n / 2, f.n - f.n / 2, pool());
  CHECK_EQ(index.size(), f.n);
  CHECK_THROWS_CODE(index.add(f.base.data(), ids.data() + f.n - 1, 1, pool()), qv::code::kDuplicateId);
  qv::SearchParams all;
  all.nprobe = 16;
  for (size_t i : {size_t(3), f.n / 2 + 11, f.n - 1}) {
    const auto hit = index.search(f.base.data() + i * f.dim, 1, 1, {}, pool(), all);
    CHECK_EQ(hit.ids[0], ids[i]);
  }
  const int64_t gone[] = {ids[3], ids[f.n - 1]};
  CHECK_EQ(index.remove(gone, 2), size_t(2));
  CHECK_EQ(index.size(), f.n - 2);
  const auto after = index.search(f.base.data() + (f.n - 1) * f.dim, 1, 1, {}, pool(), all);
  CHECK(after.ids[0] != ids[f.n - 1]);
  const std::string path = "ivf_test_mixed_ids.qvivf";
  index.save(path);
  const auto loaded = qv::IvfIndex::load(path);
  std::remove(path.c_str());
  CHECK_EQ(loaded->size(), f.n - 2);
  const auto again = loaded->search(f.base.data() + (f.n / 2 + 11) * f.dim, 1, 1, {}, pool(), all);
  CHECK_EQ(again.ids[0], ids[f.n / 2 + 11]);
}

TEST(remove_hides_ids_and_keeps_the_rest_findable) {
  const Fixture f;
  for (qv::IvfKind kind : {qv::IvfKind::Flat, qv::IvfKind::Sq8, qv::IvfKind::Pq}) {
    auto p = params(kind, qv::Metric::L2, f.dim, 16, 8);
    p.keep_raw = true;
    qv::IvfIndex index(p);
    index.train(f.base.data(), f.n, pool());
    index.add(f.base.data(), f.ids.data(), f.n, pool());
    std::vector<int64_t> gone;
    for (int64_t id = 0; id < int64_t(f.n); id += 3) gone.push_back(id);
    CHECK_EQ(index.remove(gone.data(), gone.size()), gone.size());
    CHECK_EQ(index.size(), f.n - gone.size());
    qv::SearchParams all;
    all.nprobe = 16;
    all.refine = 4;
    // Every kept vector is still its own nearest neighbour (ids moved inside lists).
    for (size_t i = 1; i < f.n; i += 97) {
      if (i % 3 == 0) continue;
      const auto r = index.search(f.base.data() + i * f.dim, 1, 3, {}, pool(), all);
      bool found = false;
      for (size_t j = 0; j < r.counts[0]; ++j) {
        CHECK(r.ids[j] % 3 != 0);
        found |= r.ids[j] == int64_t(i);
      }
      CHECK(found);
    }
  }
}

namespace {
std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}
void write_bytes(const std::string& path, const std::vector<char>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(b.data(), std::streamsize(b.size()));
}
}  // namespace

TEST(save_and_load_give_the_same_results_copied_or_mapped) {
  const Fixture f;
  for (qv::IvfKind kind : {qv::IvfKind::Flat, qv::IvfKind::Sq8, qv::IvfKind::Pq}) {
    auto p = params(kind, qv::Metric::Cosine, f.dim, 16, 8);
    p.keep_raw = kind == qv::IvfKind::Pq;
    qv::IvfIndex index(p);
    index.train(f.base.data(), f.n, pool());
    index.add(f.base.data(), f.ids.data(), f.n, pool());
    const int64_t gone[] = {5, 6, 7};
    index.remove(gone, 3);
    const std::string path = "ivf_test_" + std::string(qv::ivf_kind_name(kind)) + ".qvivf";
    index.save(path);
    const auto loaded = qv::IvfIndex::load(path);
    CHECK_EQ(loaded->size(), index.size());
    CHECK_EQ(loaded->rows(), index.rows());
    qv::SearchParams options;
    options.nprobe = 4;
    options.refine = 3;
    const auto a = index.search(f.queries.data(), f.nq, f.k, {}, pool(), options);
    const auto b = loaded->search(f.queries.data(), f.nq, f.k, {}, pool(), options);
    CHECK(a.ids == b.ids);
    CHECK(a.distances == b.distances);
    // Loaded, every list lies in one buffer: saved again from it, the file is the same.
    loaded->save(path + ".loaded");
    CHECK(file_bytes(path) == file_bytes(path + ".loaded"));
    std::remove((path + ".loaded").c_str());
    // Mapped, the lists stay in the file's pages and searches give the same answers.
    const auto mapped = qv::IvfIndex::load(path, true);
    CHECK(mapped->mapped_bytes() > 0);
    CHECK_EQ(loaded->mapped_bytes(), size_t(0));
    CHECK(mapped->memory_bytes() + mapped->mapped_bytes() / 2 < loaded->memory_bytes());
    const auto c = mapped->search(f.queries.data(), f.nq, f.k, {}, pool(), options);
    CHECK(a.ids == c.ids);
    CHECK(a.distances == c.distances);
    // A loaded index takes more vectors like the original; a mapped one copies its lists in first.
    const int64_t again[] = {5};
    loaded->add(f.base.data() + 5 * f.dim, again, 1, pool());
    CHECK_EQ(loaded->size(), index.size() + 1);
    mapped->add(f.base.data() + 5 * f.dim, again, 1, pool());
    CHECK_EQ(mapped->mapped_bytes(), size_t(0));
    const int64_t removed[] = {9};
    loaded->remove(removed, 1);
    mapped->remove(removed, 1);
    const auto d = loaded->search(f.queries.data(), f.nq, f.k, {}, pool(), options);
    const auto e = mapped->search(f.queries.data(), f.nq, f.k, {}, pool(), options);
    CHECK(d.ids == e.ids);
    CHECK(d.distances == e.distances);
    // Saved again from the mapping (before it is let go), the file is the same.
    const auto remapped = qv::IvfIndex::load(path, true);
    remapped->save(path + ".again");
    CHECK(file_bytes(path) == file_bytes(path + ".again"));
    std::remove((path + ".again").c_str());
    std::remove(path.c_str());
  }
}

TEST(damaged_files_give_clear_errors) {
  const Fixture f;
  qv::IvfIndex index(params(qv::IvfKind::Flat, qv::Metric::L2, f.dim, 8));
  index.train(f.base.data(), f.n, pool());
  index.add(f.base.data(), f.ids.data(), 500, pool());
  const std::string path = "ivf_damaged.qvivf";
  index.save(path);
  const std::vector<char> bytes = file_bytes(path);
  auto write = [&](const std::vector<char>& b) { write_bytes(path, b); };
  write(std::vector<char>(bytes.begin(), bytes.begin() + bytes.size() / 2));
  CHECK_THROWS_CODE(qv::IvfIndex::load(path), qv::code::kInvalidFile);
  auto other_version = bytes;
  other_version[8] = 99;
  write(other_version);
  CHECK_THROWS_CODE(qv::IvfIndex::load(path), qv::code::kVersionMismatch);
  write(std::vector<char>{'h', 'e', 'l', 'l', 'o', '!', '!', '!', 0, 0, 0, 0});
  CHECK_THROWS_CODE(qv::IvfIndex::load(path), qv::code::kInvalidFile);
  std::remove(path.c_str());
  CHECK_THROWS_CODE(qv::IvfIndex::load(path), qv::code::kIo);
}

TEST(bad_input_gives_typed_errors) {
  const Fixture f;
  CHECK_THROWS_CODE(qv::IvfIndex(params(qv::IvfKind::Pq, qv::Metric::L2, 30, 8, 7)), qv::code::kInvalidArgument);
  CHECK_THROWS_CODE(qv::IvfIndex(params(qv::IvfKind::Pq, qv::Metric::L2, 30, 8, 0)), qv::code::kInvalidArgument);
  CHECK_THROWS_CODE(qv::IvfIndex(params(qv::IvfKind::Flat, qv::Metric::L2, 30, 0)), qv::code::kInvalidArgument);
  qv::IvfIndex index(params(qv::IvfKind::Flat, qv::Metric::L2, f.dim, 64));
  qv::SearchParams options;
  CHECK_THROWS_CODE(index.add(f.base.data(), f.ids.data(), 10, pool()), qv::code::kNotTrained);
  CHECK_THROWS_CODE(index.search(f.queries.data(), 1, 10, {}, pool(), options), qv::code::kNotTrained);
  CHECK_THROWS_CODE(index.train(f.base.data(), 63, pool()), qv::code::kTrainingTooSmall);
  CHECK(!index.trained());
  index.train(f.base.data(), f.n, pool());
  index.add(f.base.data(), f.ids.data(), 10, pool());
  CHECK_THROWS_CODE(index.add(f.base.data(), f.ids.data(), 2, pool()), qv::code::kDuplicateId);
  CHECK_THROWS_CODE(index.train(f.base.data(), f.n, pool()), qv::code::kInvalidArgument);
  options.nprobe = 0;
  CHECK_THROWS_CODE(index.search(f.queries.data(), 1, 10, {}, pool(), options), qv::code::kInvalidArgument);
  CHECK_EQ(index.size(), size_t(10));
}

TEST(training_is_reproducible_and_leaves_no_list_empty) {
  const Fixture f;
  auto build = [&] {
    auto index = std::make_unique<qv::IvfIndex>(params(qv::IvfKind::Flat, qv::Metric::L2, f.dim, 100));
    index->train(f.base.data(), f.n, pool());
    index->add(f.base.data(), f.ids.data(), f.n, pool());
    return index;
  };
  const auto a = build(), b = build();
  CHECK(a->list_sizes() == b->list_sizes());
  for (uint32_t s : a->list_sizes()) CHECK(s > 0);
}

TEST(searches_run_alongside_adds) {
  const Fixture f;
  qv::IvfIndex index(params(qv::IvfKind::Sq8, qv::Metric::L2, f.dim, 16));
  index.train(f.base.data(), f.n, pool());
  std::atomic<bool> done{false};
  std::thread reader([&] {
    qv::SearchParams options;
    while (!done.load()) index.search(f.queries.data(), 2, 5, {}, pool(), options);
  });
  for (size_t b = 0; b < 10; ++b) index.add(f.base.data() + b * 600 * f.dim, f.ids.data() + b * 600, 600, pool());
  done.store(true);
  reader.join();
  CHECK_EQ(index.size(), f.n);
}

TEST(a_crafted_file_is_rejected_before_anything_is_allocated_from_its_counts) {
  const Fixture f;
  qv::IvfIndex index(params(qv::IvfKind::Flat, qv::Metric::L2, f.dim, 8));
  index.train(f.base.data(), f.n, pool());
  index.add(f.base.data(), f.ids.data(), 50, pool());
  const std::string path = "ivf_crafted.qvivf";
  index.save(path);
  std::vector<char> bytes = file_bytes(path);
  // dim (at byte 20) and nlist (at 28) set to 65536 each: centroids of 16 GiB in a small file.
  for (size_t at : {size_t(20), size_t(28)}) {
    const uint64_t big = 65536;
    std::memcpy(&bytes[at], &big, sizeof big);
  }
  write_bytes(path, bytes);
  CHECK_THROWS_CODE(qv::IvfIndex::load(path), qv::code::kInvalidFile);
  std::remove(path.c_str());
}

// Every single-byte change of a saved file is refused: the CRC-32C covers every byte.
TEST(fuzz_mutated_index_files_never_load_silently) {
  const Fixture f;
  size_t cases = 0, loaded = 0;
  for (qv::IvfKind kind : {qv::IvfKind::Flat, qv::IvfKind::Sq8, qv::IvfKind::Pq}) {
    qv::IvfIndex index(params(kind, qv::Metric::L2, f.dim, 4, kind == qv::IvfKind::Pq ? 4 : 0));
    index.train(f.base.data(), 1000, pool());
    index.add(f.base.data(), f.ids.data(), 30, pool());
    const std::string path = "ivf_fuzz.qvivf";
    index.save(path);
    const std::vector<char> good = file_bytes(path);
    testdata::Rng rng(7 + uint64_t(kind));
    for (int i = 0; i < 700; ++i, ++cases) {
      std::vector<char> bad = good;
      const size_t flips = 1 + rng.next() % 3;
      for (size_t j = 0; j < flips; ++j) bad[rng.next() % bad.size()] ^= char(1 + rng.next() % 255);
      if (i % 10 == 0) bad.resize(rng.next() % bad.size());  // and truncations
      write_bytes(path, bad);
      try {
        qv::IvfIndex::load(path);
        ++loaded;
      } catch (const qv::Error& e) {
        CHECK(std::strcmp(e.code(), qv::code::kInvalidFile) == 0 || std::strcmp(e.code(), qv::code::kVersionMismatch) == 0);
      }
    }
    std::remove(path.c_str());
  }
  std::printf("     index-file fuzz: %zu mutated files, %zu loaded\n", cases, loaded);
  CHECK_EQ(loaded, size_t(0));
}

TEST(sq8_trained_on_values_near_the_float_limits_encodes_without_nan) {
  const size_t dim = 4, n = 300;
  std::vector<float> data(n * dim);
  for (size_t i = 0; i < data.size(); ++i) data[i] = (i % 2 == 0 ? 3e38f : -3e38f) * (float((i % 7) + 1) / 7.0f);
  qv::IvfIndex index(params(qv::IvfKind::Sq8, qv::Metric::L2, dim, 2));
  index.train(data.data(), n, pool());
  const auto ids = iota_ids(n);
  index.add(data.data(), ids.data(), n, pool());
  qv::SearchParams options;
  options.nprobe = 2;
  const auto r = index.search(data.data(), 1, 5, {}, pool(), options);
  CHECK_EQ(r.counts[0], uint32_t(5));
}

TEST(an_add_racing_a_retrain_encodes_with_the_new_quantisers) {
  const Fixture f;
  std::vector<float> other = clustered(2000, f.dim, 40, 99);
  for (float& v : other) v += 100;  // far away: the old centroids would put every vector in one list
  qv::IvfIndex index(params(qv::IvfKind::Flat, qv::Metric::L2, f.dim, 16));
  index.train(f.base.data(), f.n, pool());
  // add() reports 0.9 after encoding, outside its lock: retrain right there.
  bool retrained = false;
  index.add(other.data(), f.ids.data(), 2000, pool(), [&](double fraction) {
    if (fraction == 0.9 && !retrained) {
      retrained = true;
      index.train(other.data(), 2000, pool());
    }
  });
  CHECK(retrained);
  qv::SearchParams options;
  options.nprobe = 1;
  const auto r = index.search(other.data(), 200, 1, {}, pool(), options);
  for (size_t q = 0; q < 200; ++q) CHECK_EQ(r.ids[q], int64_t(q));  // each in its nearest list
}

TEST(a_search_allocates_for_the_rows_there_are_not_for_k) {
  qv::IvfIndex index(params(qv::IvfKind::Flat, qv::Metric::L2, 1, 1));
  const std::vector<float> ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  index.train(ten.data(), 10, pool());
  index.add(ten.data(), iota_ids(10).data(), 10, pool());
  const std::vector<float> queries(qv::kMaxNq, 0.5f);
  const auto r = index.search(queries.data(), queries.size(), qv::kMaxK, {}, pool(), {});
  CHECK_EQ(r.k, size_t(10));
  CHECK_EQ(r.ids.size(), queries.size() * 10);
  CHECK_THROWS_CODE(index.search(queries.data(), qv::kMaxNq + 1, 1, {}, pool(), {}), qv::code::kInvalidArgument);
}

TEST_MAIN()
