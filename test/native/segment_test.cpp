// Segment rows (keys, MVCC timestamps, the key table) and reads over several segments,
// against references computed here the slow way.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <thread>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"
#include "index/flat_index.h"
#include "index/ivf_index.h"
#include "random.h"
#include "segment/segment_reads.h"
#include "segment/segment_rows.h"

namespace {

std::vector<int64_t> stamps(size_t n, int64_t ts) { return std::vector<int64_t>(n, ts); }

TEST(keys_find_their_newest_live_row) {
  qv::SegmentRows rows(qv::KeyType::kInt64);
  std::vector<int64_t> keys;
  for (int64_t i = 0; i < 5000; ++i) keys.push_back(i * 7919 % 100003);  // grows the table several times
  const std::vector<int64_t> ts = stamps(keys.size(), 10);
  rows.append(keys.data(), ts.data(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) CHECK_EQ(rows.find_live(keys[i]), int64_t(i));
  CHECK_EQ(rows.find_live(int64_t(-5)), int64_t(-1));
  // An upsert: the old row deleted at the new row's timestamp, the key now at the new row.
  CHECK(rows.remove(3, 20));
  const int64_t again = keys[3];
  rows.append(&again, stamps(1, 20).data(), 1);
  CHECK_EQ(rows.find_live(again), int64_t(keys.size()));
  CHECK(rows.remove(uint32_t(keys.size()), 30));
  CHECK_EQ(rows.find_live(again), int64_t(-1));
  CHECK(!rows.remove(uint32_t(keys.size()), 40));  // already deleted
  CHECK(!rows.remove(7, 10));                      // not after its insert
  CHECK_EQ(rows.deleted(), size_t(2));
}

TEST(a_key_is_found_at_its_newest_insert_even_when_an_older_row_comes_after) {
  // A compaction may copy a row that is deleted but kept (common.retentionDuration) after
  // the newer row of its key, copied earlier from another segment.
  qv::SegmentRows rows(qv::KeyType::kInt64);
  const int64_t keys[] = {5, 6, 5};
  const int64_t ts[] = {30, 10, 10};  // row 0: key 5 upserted at 30; row 2: its old row
  rows.append(keys, ts, 3);
  rows.apply_deletes(keys, stamps(1, 30).data(), 1);  // the upsert's delete of key 5 at 30
  CHECK_EQ(rows.find_live(int64_t(5)), int64_t(0));
  CHECK_EQ(rows.find_live(int64_t(6)), int64_t(1));
  CHECK_EQ(rows.deleted(), size_t(1));
}

TEST(varchar_keys) {
  qv::SegmentRows rows(qv::KeyType::kVarChar);
  std::vector<std::string> keys = {"b", "", "héllo", "a\0b", "zz"};
  keys[3] = std::string("a\0b", 3);
  rows.append(keys, stamps(keys.size(), 5).data());
  for (size_t i = 0; i < keys.size(); ++i) CHECK_EQ(rows.find_live(std::string_view(keys[i])), int64_t(i));
  CHECK_EQ(rows.find_live(std::string_view("a")), int64_t(-1));
  CHECK(rows.compare_keys(1, rows, 0) < 0);  // "" < "b"
  CHECK(rows.compare_keys(4, rows, 2) > 0);
}

TEST(mvcc_visibility_and_hidden_bits) {
  qv::SegmentRows rows(qv::KeyType::kInt64);
  const int64_t keys[] = {1, 2, 3, 4};
  const int64_t ts[] = {10, 20, 30, 40};
  rows.append(keys, ts, 4);
  rows.remove(0, 25);
  // At 25: row 0 deleted, rows 2 and 3 not yet inserted; at 50 only the delete hides.
  CHECK_EQ(rows.visible_count(25), size_t(1));
  CHECK_EQ(rows.visible_count(50), size_t(3));
  CHECK_EQ(rows.visible_count(15), size_t(1));
  CHECK_EQ(int(rows.hidden(25, 4)[0]), 0b1101);
  CHECK_EQ(int(rows.hidden(50, 4)[0]), 0b0001);
  CHECK_EQ(int(rows.hidden(50, 6)[0]), 0b110001);  // index rows past the keys are hidden
  qv::SegmentRows clean(qv::KeyType::kInt64);
  clean.append(keys, ts, 4);
  CHECK(clean.hidden(100, 4).empty());
}

TEST(a_ttl_hides_rows_inserted_before_the_cutoff) {
  qv::SegmentRows rows(qv::KeyType::kInt64);
  const int64_t keys[] = {1, 2, 3, 4};
  const int64_t ts[] = {10, 20, 30, 40};
  rows.append(keys, ts, 4);
  const qv::ReadAt at(100, 25);  // rows inserted before 25 have expired
  CHECK(!rows.visible(0, at) && !rows.visible(1, at) && rows.visible(2, at) && rows.visible(3, at));
  CHECK_EQ(rows.visible_count(at), size_t(2));
  CHECK_EQ(int(rows.hidden(at, 4)[0]), 0b0011);
  CHECK_EQ(rows.visible_count(qv::ReadAt(100, 5)), size_t(4));  // nothing expired yet
  CHECK(rows.hidden(qv::ReadAt(100, 5), 4).empty());
  CHECK_EQ(int(rows.hidden(qv::ReadAt(35, 25), 4)[0]), 0b1011);  // expired, and newer than the read
}

TEST(deletes_from_delta_files_take_the_first_later_timestamp) {
  qv::SegmentRows rows(qv::KeyType::kInt64);
  const int64_t keys[] = {7, 8, 7};
  const int64_t ts[] = {10, 10, 30};  // key 7 upserted at 30
  rows.append(keys, ts, 3);
  const int64_t del_keys[] = {7, 7, 8};
  const int64_t del_ts[] = {50, 30, 5};  // 8 deleted before it was inserted: no effect
  rows.apply_deletes(del_keys, del_ts, 3);
  CHECK_EQ(rows.delete_ts(0), int64_t(30));
  CHECK_EQ(rows.delete_ts(1), int64_t(0));
  CHECK_EQ(rows.delete_ts(2), int64_t(50));
  CHECK_EQ(rows.find_live(int64_t(7)), int64_t(-1));
  CHECK_EQ(rows.find_live(int64_t(8)), int64_t(1));
}

// Two segments whose rows interleave keys, one exact (FLAT) and one IVF_FLAT probing all its
// lists; a reference over all rows must agree with the merged search at several read
// timestamps, ties by the smaller key.
TEST(search_over_segments_equals_one_brute_force) {
  const size_t dim = 8, per = 300, kLists = 4;
  qv::ThreadPool pool(2);
  std::vector<qv::SegmentPart> parts;
  std::vector<std::vector<float>> all_vectors;
  testdata::Rng rng(3);
  for (int s = 0; s < 2; ++s) {
    auto rows = std::make_shared<qv::SegmentRows>(qv::KeyType::kInt64);
    std::vector<int64_t> keys, ts, ids;
    // Small integer coordinates: many exact ties, so the key order matters.
    std::vector<float> vectors(per * dim);
    for (float& x : vectors) x = float(rng.next() % 3);
    for (size_t i = 0; i < per; ++i) {
      keys.push_back(int64_t(i * 2 + size_t(s)));
      ts.push_back(int64_t(1 + i));
      ids.push_back(int64_t(i));
    }
    rows->append(keys.data(), ts.data(), per);
    std::shared_ptr<qv::VectorIndex> index;
    if (s == 0) {
      auto flat = std::make_shared<qv::FlatIndex>(dim, qv::Metric::L2);
      flat->add(vectors.data(), ids.data(), per);
      index = flat;
    } else {
      qv::IvfParams params;
      params.dim = dim;
      params.nlist = kLists;
      auto ivf = std::make_shared<qv::IvfIndex>(params);
      ivf->train(vectors.data(), per, pool);
      ivf->add(vectors.data(), ids.data(), per, pool);
      index = ivf;
    }
    for (uint32_t r = 0; r < per; r += 5) rows->remove(r, int64_t(150));
    all_vectors.push_back(vectors);
    parts.push_back(qv::SegmentPart{rows, index});
  }
  const std::vector<float> query(dim, 1.0f);
  for (int64_t read_ts : {int64_t(100), int64_t(149), int64_t(150), int64_t(1000)}) {
    std::vector<std::pair<float, int64_t>> expected;  // (distance, key)
    for (size_t s = 0; s < 2; ++s) {
      for (uint32_t r = 0; r < per; ++r) {
        if (!parts[s].rows->visible(r, read_ts)) continue;
        float d = 0;
        for (size_t j = 0; j < dim; ++j) d += (all_vectors[s][r * dim + j] - 1) * (all_vectors[s][r * dim + j] - 1);
        expected.emplace_back(d, parts[s].rows->int_key(r));
      }
    }
    std::sort(expected.begin(), expected.end());
    qv::SearchParams every_list;
    every_list.nprobe = kLists;
    const auto hits = qv::search_segments(parts, query.data(), 1, 25, read_ts, pool, nullptr, every_list);
    CHECK_EQ(hits.counts[0], uint32_t(25));
    CHECK_EQ(hits.size(), size_t(25));
    for (size_t i = 0; i < 25; ++i) {
      CHECK_EQ(parts[hits.parts[i]].rows->int_key(hits.rows[i]), expected[i].second);
      CHECK_EQ(hits.int_keys[i], expected[i].second);  // the key as the merge read it
      CHECK_CLOSE(hits.scores[i], expected[i].first, 1e-5);
    }
  }
}

// Two segments with the same 200 keys (row i has key i, or "key-i" for VarChar): the second
// a stale copy of the first, a little farther from the origin.
std::vector<qv::SegmentPart> two_copies(qv::KeyType type) {
  const size_t dim = 4, per = 200;
  std::vector<qv::SegmentPart> parts;
  for (int s = 0; s < 2; ++s) {
    auto rows = std::make_shared<qv::SegmentRows>(type);
    std::vector<int64_t> ids(per);
    std::vector<std::string> text_keys(per);
    std::vector<float> vectors(per * dim);
    for (size_t i = 0; i < per; ++i) {
      ids[i] = int64_t(i);
      text_keys[i] = "key-" + std::to_string(i);
      for (size_t j = 0; j < dim; ++j) vectors[i * dim + j] = float(i) + 0.25f * float(s);
    }
    if (type == qv::KeyType::kInt64) rows->append(ids.data(), stamps(per, 1).data(), per);
    else rows->append(text_keys, stamps(per, 1).data());
    auto flat = std::make_shared<qv::FlatIndex>(dim, qv::Metric::L2);
    flat->add(vectors.data(), ids.data(), per);
    parts.push_back(qv::SegmentPart{rows, flat});
  }
  return parts;
}

// The same keys in two segments come back once each, from the nearer copy, below and past
// the number of keys a query compares in a list before it hashes them (64).
void check_each_key_once(const std::vector<qv::SegmentPart>& parts, const std::function<bool(const qv::SegmentRows&, uint32_t, size_t)>& has_key) {
  qv::ThreadPool pool(2);
  const std::vector<float> query(parts[0].index->dim(), 0.0f);
  for (size_t k : {size_t(10), size_t(150)}) {
    const auto hits = qv::search_segments(parts, query.data(), 1, k, 10, pool);
    CHECK_EQ(hits.counts[0], uint32_t(k));
    CHECK_EQ(hits.size(), k);
    for (size_t i = 0; i < k; ++i) {
      CHECK(has_key(*parts[hits.parts[i]].rows, hits.rows[i], i));
      CHECK_EQ(hits.parts[i], uint32_t(0));  // the nearer copy
    }
  }
}

TEST(search_returns_each_key_once_across_segments) {
  const auto parts = two_copies(qv::KeyType::kInt64);
  check_each_key_once(parts, [](const qv::SegmentRows& rows, uint32_t row, size_t i) { return rows.int_key(row) == int64_t(i); });
  qv::ThreadPool pool(2);
  const std::vector<float> bad = {0, NAN, 0, 0};
  CHECK_THROWS_CODE(qv::search_segments(parts, bad.data(), 1, 5, 10, pool), qv::code::kNonFinite);
}

TEST(search_returns_each_varchar_key_once_across_segments) {
  check_each_key_once(two_copies(qv::KeyType::kVarChar), [](const qv::SegmentRows& rows, uint32_t row, size_t i) {
    return rows.str_key(row) == "key-" + std::to_string(i);
  });
}

// A batch's columns hold each query's hits in turn: the same as the query searched alone.
TEST(a_batch_answers_each_query_as_it_is_answered_alone) {
  const auto parts = two_copies(qv::KeyType::kInt64);
  qv::ThreadPool pool(2);
  const std::vector<float> queries = {0, 0, 0, 0, 50, 50, 50, 50, 199, 199, 199, 199};
  const size_t k = 7;
  const qv::MergedHits batch = qv::search_segments(parts, queries.data(), 3, k, 10, pool);
  CHECK_EQ(batch.counts.size(), size_t(3));
  size_t at = 0;
  for (size_t q = 0; q < 3; ++q) {
    const qv::MergedHits alone = qv::search_segments(parts, queries.data() + q * 4, 1, k, 10, pool);
    CHECK_EQ(batch.counts[q], alone.counts[0]);
    for (size_t i = 0; i < alone.size(); ++i, ++at) {
      CHECK_EQ(batch.parts[at], alone.parts[i]);
      CHECK_EQ(batch.rows[at], alone.rows[i]);
      CHECK_EQ(batch.int_keys[at], alone.int_keys[i]);
      CHECK(batch.scores[at] == alone.scores[i]);
    }
  }
  CHECK_EQ(at, batch.size());
  CHECK_EQ(batch.int_keys[k], int64_t(50));  // the second query's nearest key
}

TEST(select_rows_in_key_order_with_offset_and_limit) {
  std::vector<qv::SegmentPart> parts;
  std::map<int64_t, std::pair<uint32_t, uint32_t>> expected;
  testdata::Rng rng(9);
  for (uint32_t s = 0; s < 3; ++s) {
    auto rows = std::make_shared<qv::SegmentRows>(qv::KeyType::kInt64);
    std::vector<int64_t> keys;
    for (int i = 0; i < 200; ++i) keys.push_back(int64_t(rng.next() % 1000000) * 3 + s);  // disjoint per segment
    rows->append(keys.data(), stamps(keys.size(), 10).data(), keys.size());
    for (uint32_t r = 0; r < 200; ++r) {
      if (r % 7 == 0) rows->remove(r, 20);
      else if (rows->find_live(keys[r]) == int64_t(r)) expected[keys[r]] = {s, r};
    }
    parts.push_back(qv::SegmentPart{rows, nullptr});
  }
  std::vector<int64_t> order;
  for (const auto& [key, where] : expected) order.push_back(key);
  for (auto [offset, limit] : {std::pair<size_t, size_t>{0, 10}, {37, 50}, {0, SIZE_MAX}, {500, 100}, {order.size(), 5}}) {
    const auto refs = qv::select_rows(parts, 30, offset, limit);
    const size_t want = offset >= order.size() ? 0 : std::min(limit, order.size() - offset);
    CHECK_EQ(refs.size(), want);
    for (size_t i = 0; i < refs.size(); ++i) CHECK_EQ(parts[refs[i].part].rows->int_key(refs[i].row), order[offset + i]);
  }
}

TEST(columns_hold_fixed_and_text_values_and_nulls) {
  qv::SegmentRows rows(qv::KeyType::kInt64, {qv::ColumnType::kInt32, qv::ColumnType::kVarChar, qv::ColumnType::kDouble});
  const int32_t ints[] = {7, -1, 42};
  rows.append_fixed(0, ints, 3, nullptr);
  const uint8_t valid[] = {1, 0, 1};
  rows.append_text(1, {"a", "", "héllo"}, valid);
  const double more[] = {0.5};
  rows.append_fixed(2, more, 1, nullptr);
  rows.append_fixed(0, ints, 1, nullptr);  // a second batch, all valid
  CHECK_EQ(rows.column(0).rows(), size_t(4));
  CHECK_EQ(rows.column(0).fixed<int32_t>(2), 42);
  CHECK_EQ(rows.column(0).fixed<int32_t>(3), 7);
  CHECK(!rows.column(0).has_nulls());
  CHECK(rows.column(1).is_null(1));
  CHECK(!rows.column(1).is_null(2));
  CHECK(rows.column(1).text(2) == "héllo");
  CHECK(rows.column(2).fixed<double>(0) == 0.5);
  const uint8_t late[] = {0};
  rows.append_fixed(2, more, 1, late);  // the first null of a column that had none
  CHECK(!rows.column(2).is_null(0));
  CHECK(rows.column(2).is_null(1));
}

// One writer appending and deleting while readers search and select (run under TSan too).
TEST(reads_run_while_the_writer_appends) {
  const size_t dim = 4;
  qv::ThreadPool pool(2);
  auto rows = std::make_shared<qv::SegmentRows>(qv::KeyType::kInt64);
  auto index = std::make_shared<qv::FlatIndex>(dim, qv::Metric::L2);
  const std::vector<qv::SegmentPart> parts = {qv::SegmentPart{rows, index}};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    const std::vector<float> query(dim, 0.5f);
    while (!done.load()) {
      const auto hits = qv::search_segments(parts, query.data(), 1, 5, 1 << 30, pool);
      for (const uint32_t row : hits.rows) CHECK(row < 100000);
      qv::select_rows(parts, 1 << 30, 0, 10);
    }
  });
  testdata::Rng rng(5);
  for (int64_t batch = 0; batch < 200; ++batch) {
    std::vector<int64_t> keys, ts, ids;
    for (int64_t i = 0; i < 50; ++i) {
      keys.push_back(batch * 50 + i);
      ts.push_back(batch + 1);
      ids.push_back(batch * 50 + i);
    }
    rows->append(keys.data(), ts.data(), keys.size());  // keys first, as the query node does
    const std::vector<float> vectors = testdata::uniform_vectors(keys.size(), dim, uint64_t(batch));
    index->add(vectors.data(), ids.data(), keys.size());
    rows->remove(uint32_t(rng.next() % rows->rows()), batch + 2);
  }
  done = true;
  reader.join();
  CHECK_EQ(rows->rows(), size_t(10000));
}

}  // namespace

TEST_MAIN()
