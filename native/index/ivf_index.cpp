#include "ivf_index.h"

#include <algorithm>
#include <mutex>
#include <numeric>
#include <string>

#include "../common/error.h"
#include "../kernels/panel_layout.h"
#include "flat_index.h"

namespace qv {

namespace {
constexpr size_t kMaxPqTrainingPoints = 65536;  // 256 per codeword, as for the coarse quantiser

// Adds a query's constant term (IVF_SQ8's bias, IVF_PQ's centroid term) to its scores.
void shift_scores(float* scores, size_t n, float shift) {
  if (shift != 0) for (size_t j = 0; j < n; ++j) scores[j] += shift;
}
}  // namespace

const char* ivf_kind_name(IvfKind kind) {
  switch (kind) {
    case IvfKind::Flat: return "IVF_FLAT";
    case IvfKind::Sq8: return "IVF_SQ8";
    case IvfKind::Pq: return "IVF_PQ";
  }
  return "IVF";
}

struct IvfIndex::Encoded {
  std::vector<float> vectors;  // as stored: normalised for COSINE
  std::vector<uint32_t> lists;
  std::vector<uint8_t> codes;  // n x code_bytes()
};

IvfIndex::IvfIndex(const IvfParams& params) : params_(params) {
  if (params.dim == 0 || params.dim > 65536) throw Error(code::kInvalidArgument, "dimension must be between 1 and 65536");
  if (params.nlist == 0 || params.nlist > 65536) throw Error(code::kInvalidArgument, "nlist must be between 1 and 65536");
  if (params.iterations == 0) throw Error(code::kInvalidArgument, "k-means needs at least one iteration");
  if (params.kind == IvfKind::Pq) {
    if (params.m == 0 || params.dim % params.m != 0) {
      throw Error(code::kInvalidArgument, "IVF_PQ needs m >= 1 dividing the dimension " + std::to_string(params.dim) +
                                              " (got m = " + std::to_string(params.m) + ")");
    }
    if (params.nbits != 8) throw Error(code::kInvalidArgument, "IVF_PQ supports nbits = 8 only");
    pq_ = Pq(params.dim, params.m);
  }
  if (params.kind == IvfKind::Sq8) sq8_ = Sq8(params.dim);
  if (params.kind != IvfKind::Pq) {  // fields only IVF_PQ uses: kept as files store them
    params_.m = 0;
    params_.keep_raw = false;
  }
}

bool IvfIndex::trained() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return trained_;
}

size_t IvfIndex::size() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return where_.size();
}

size_t IvfIndex::rows() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return next_row_;
}

std::vector<uint32_t> IvfIndex::list_sizes() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<uint32_t> out;
  for (const List& l : lists_) out.push_back(uint32_t(l.size()));
  return out;
}

size_t IvfIndex::memory_bytes() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  size_t bytes = (centroids_.capacity() + centroid_panels_.capacity()) * sizeof(float) +
                 (sq8_.vmin().capacity() + sq8_.step().capacity() + 2 * pq_.codebooks().capacity()) * sizeof(float);
  for (const List& l : lists_) {
    bytes += l.ids.capacity() * sizeof(int64_t) + l.rows.capacity() * sizeof(uint32_t) +
             l.vectors.capacity() * sizeof(float) + l.codes.capacity() + l.raw.capacity() * sizeof(float);
  }
  return bytes + slab_bytes_ + where_.memory_bytes();
}

size_t IvfIndex::mapped_bytes() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (!mapping_) return 0;
  size_t bytes = 0;
  for (const List& l : lists_) {
    if (l.mapped_vectors != nullptr) bytes += panel_count(l.size()) * panel_floats(params_.dim) * sizeof(float);
    if (l.mapped_codes != nullptr) bytes += panel_count(l.size()) * code_bytes() * kPanelWidth;
    if (l.mapped_raw != nullptr) bytes += l.size() * params_.dim * sizeof(float);
  }
  return bytes;
}

void IvfIndex::own_lists() {
  if (!mapping_ && !slab_) return;
  const size_t dim = params_.dim;
  for (List& l : lists_) {
    const size_t n = l.size();
    if (l.mapped_vectors != nullptr) {
      l.vectors.resize(panel_count(n) * panel_floats(dim));
      std::copy(l.mapped_vectors, l.mapped_vectors + l.vectors.size(), l.vectors.data());
    }
    if (l.mapped_codes != nullptr) l.codes.assign(l.mapped_codes, l.mapped_codes + panel_count(n) * code_bytes() * kPanelWidth);
    if (l.mapped_raw != nullptr) l.raw.assign(l.mapped_raw, l.mapped_raw + n * dim);
    l.mapped_vectors = nullptr;
    l.mapped_codes = nullptr;
    l.mapped_raw = nullptr;
  }
  mapping_.reset();
  slab_.reset();
  slab_bytes_ = 0;
}

size_t IvfIndex::code_bytes() const {
  switch (params_.kind) {
    case IvfKind::Sq8: return params_.dim;
    case IvfKind::Pq: return params_.m;
    default: return 0;
  }
}

void IvfIndex::check_trained() const {
  if (!trained_) throw Error(code::kNotTrained, "the index must be trained before vectors are added or searched");
}

void IvfIndex::train(const float* vectors, size_t n, ThreadPool& pool, const Progress& progress) {
  const size_t dim = params_.dim;
  check_finite(vectors, n, dim, "training vector");
  const size_t needed = std::max(params_.nlist, params_.kind == IvfKind::Pq ? Pq::kCodewords : size_t(1));
  if (n < needed) {
    throw Error(code::kTrainingTooSmall, std::string(ivf_kind_name(params_.kind)) + " with nlist = " +
                                             std::to_string(params_.nlist) + " needs at least " + std::to_string(needed) +
                                             " training vectors, got " + std::to_string(n));
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  if (!where_.empty()) throw Error(code::kInvalidArgument, "the index already holds vectors; retraining would invalidate them");

  // A sample of at most 256 points per centroid, as Milvus does.
  const std::vector<uint32_t> picked = sample_indexes(n, kMaxTrainingPointsPerCentroid * params_.nlist, params_.seed);
  std::vector<float> sample(picked.size() * dim);
  for (size_t i = 0; i < picked.size(); ++i) std::copy(vectors + picked[i] * dim, vectors + (picked[i] + 1) * dim, sample.begin() + i * dim);
  if (params_.metric == Metric::Cosine) normalize_rows(sample.data(), picked.size(), dim);

  const double coarse_share = params_.kind == IvfKind::Pq ? 0.5 : 1.0;
  KMeansOptions options;
  options.k = params_.nlist;
  options.iterations = params_.iterations;
  options.seed = params_.seed;
  options.spherical = by_ip();
  centroids_ = kmeans(sample.data(), picked.size(), dim, options, pool,
                      [&](double f) { if (progress) progress(f * coarse_share); });
  centroid_panels_.assign(panel_count(params_.nlist) * panel_floats(dim), 0.0f);
  pack_rows(centroids_.data(), params_.nlist, dim, centroid_panels_.data(), 0);

  if (params_.kind == IvfKind::Sq8) sq8_.train(sample.data(), picked.size());
  if (params_.kind == IvfKind::Pq) {
    // PQ learns the residuals (vector minus its cell's centroid) of up to 65536 points.
    const size_t count = std::min(picked.size(), kMaxPqTrainingPoints);
    std::vector<uint32_t> labels(count);
    assign_nearest(sample.data(), count, centroids_.data(), params_.nlist, dim, by_ip(), labels.data(), pool);
    for (size_t i = 0; i < count; ++i)
      for (size_t d = 0; d < dim; ++d) sample[i * dim + d] -= centroids_[labels[i] * dim + d];
    pq_.train(sample.data(), count, pool, params_.seed, params_.iterations,
              [&](double f) { if (progress) progress(coarse_share + f * (1 - coarse_share)); });
  }
  lists_ = std::vector<List>(params_.nlist);
  mapping_.reset();
  trained_ = true;
  ++generation_;
}

IvfIndex::Encoded IvfIndex::encode(const float* vectors, size_t n, ThreadPool& pool) const {
  const size_t dim = params_.dim;
  Encoded e;
  e.vectors.assign(vectors, vectors + n * dim);
  if (params_.metric == Metric::Cosine) normalize_rows(e.vectors.data(), n, dim);
  e.lists.resize(n);
  assign_nearest(e.vectors.data(), n, centroids_.data(), params_.nlist, dim, by_ip(), e.lists.data(), pool);
  e.codes.resize(n * code_bytes());
  if (params_.kind == IvfKind::Sq8) {
    pool.parallel_for((n + 1023) / 1024, [&](size_t b) {
      for (size_t i = b * 1024; i < std::min(n, (b + 1) * 1024); ++i) sq8_.encode(e.vectors.data() + i * dim, e.codes.data() + i * dim);
    });
  } else if (params_.kind == IvfKind::Pq) {
    std::vector<float> residuals(e.vectors);
    for (size_t i = 0; i < n; ++i)
      for (size_t d = 0; d < dim; ++d) residuals[i * dim + d] -= centroids_[e.lists[i] * dim + d];
    pq_.encode(residuals.data(), n, e.codes.data(), pool);
  }
  return e;
}

void IvfIndex::append(List& list, const int64_t* id, uint32_t row, const float* vector, const uint8_t* code) {
  const size_t position = list.size(), dim = params_.dim, width = code_bytes();
  list.ids.push_back(*id);
  list.rows.push_back(row);
  if (params_.kind == IvfKind::Flat) {
    list.vectors.resize(panel_count(position + 1) * panel_floats(dim));
    panel_put(list.vectors.data(), dim, position, vector);
  } else {
    list.codes.resize(panel_count(position + 1) * width * kPanelWidth);
    panel_put(list.codes.data(), width, position, code);
    if (params_.keep_raw) list.raw.insert(list.raw.end(), vector, vector + dim);
  }
}

void IvfIndex::add(const float* vectors, const int64_t* ids, size_t n, ThreadPool& pool, const Progress& progress) {
  if (n == 0) return;
  check_finite(vectors, n, params_.dim, "vector");
  Encoded encoded;
  uint64_t encoded_with = 0;
  {
    // The heavy part (assignment, encoding) only reads the quantisers: searches go on.
    std::shared_lock<std::shared_mutex> lock(mutex_);
    check_trained();
    encoded = encode(vectors, n, pool);
    encoded_with = generation_;
  }
  if (progress) progress(0.9);
  std::unique_lock<std::shared_mutex> lock(mutex_);
  // Retrained in between (possible while the index was empty): those codes mean nothing now.
  if (generation_ != encoded_with) encoded = encode(vectors, n, pool);
  if (next_row_ + uint64_t(n) > UINT32_MAX) throw Error(code::kInvalidArgument, "an index holds at most 2^32 - 1 rows");
  own_lists();
  {
    std::unordered_map<int64_t, bool> batch;
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (where_.contains(ids[i]) || !batch.emplace(ids[i], true).second) {
        throw Error(code::kDuplicateId, "id " + std::to_string(ids[i]) + " is already in the index");
      }
    }
  }
  where_.reserve(where_.size() + n);
  // Room for every list's new rows at once, rather than growing row by row.
  std::vector<size_t> incoming(params_.nlist, 0);
  for (uint32_t list_no : encoded.lists) ++incoming[list_no];
  for (size_t l = 0; l < params_.nlist; ++l) {
    if (incoming[l] == 0) continue;
    List& list = lists_[l];
    const size_t total = list.size() + incoming[l];
    list.ids.reserve(total);
    list.rows.reserve(total);
    if (params_.kind == IvfKind::Flat) list.vectors.reserve(panel_count(total) * panel_floats(params_.dim));
    else list.codes.reserve(panel_count(total) * code_bytes() * kPanelWidth);
    if (params_.keep_raw) list.raw.reserve(total * params_.dim);
  }
  for (size_t i = 0; i < n; ++i) {
    const uint32_t list_no = encoded.lists[i];
    List& list = lists_[list_no];
    where_.insert(ids[i], IdLocation{list_no, uint32_t(list.size())});
    append(list, ids + i, next_row_ + uint32_t(i), encoded.vectors.data() + i * params_.dim,
           encoded.codes.data() + i * code_bytes());
  }
  next_row_ += uint32_t(n);
  if (progress) progress(1.0);
}

size_t IvfIndex::remove(const int64_t* ids, size_t n) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  own_lists();
  const size_t dim = params_.dim, width = code_bytes();
  size_t removed = 0;
  for (size_t i = 0; i < n; ++i) {
    const IdLocation* found = where_.find(ids[i]);
    if (found == nullptr) continue;
    const IdLocation at = *found;
    where_.erase(ids[i]);
    List& list = lists_[at.list];
    const size_t last = list.size() - 1;
    if (at.position != last) {  // the last entry takes the removed one's place
      list.ids[at.position] = list.ids[last];
      list.rows[at.position] = list.rows[last];
      if (params_.kind == IvfKind::Flat) panel_move(list.vectors.data(), dim, last, at.position);
      else panel_move(list.codes.data(), width, last, at.position);
      if (!list.raw.empty()) std::copy(list.raw.begin() + last * dim, list.raw.begin() + (last + 1) * dim, list.raw.begin() + at.position * dim);
      where_.update(list.ids[at.position], at);
    }
    list.ids.pop_back();
    list.rows.pop_back();
    if (!list.raw.empty()) list.raw.resize(last * dim);
    ++removed;
  }
  return removed;
}

struct IvfIndex::QueryTerms {
  std::vector<float> a, w;  // IVF_SQ8
  float bias = 0;           // IVF_SQ8
  std::vector<float> tables;  // IVF_PQ: per query (IP) or per list (L2)
  std::vector<float> residual;
};

IvfIndex::QueryTerms& IvfIndex::terms_for(std::vector<QueryTerms>& terms, QueryTerms& residual_terms, size_t i) {
  return residual_terms.tables.empty() ? terms[i] : residual_terms;
}

void IvfIndex::list_scores(size_t list_no, const float* query, QueryTerms& terms, float* out) const {
  const List& list = lists_[list_no];
  const Kernels& k = kernels();
  const size_t npanels = panel_count(list.size()), dim = params_.dim;
  float shift = 0;
  switch (params_.kind) {
    case IvfKind::Flat:
      (by_ip() ? k.scan_neg_ip : k.scan_l2sq)(query, 1, list.vector_data(), npanels, dim, out, npanels * kPanelWidth);
      break;
    case IvfKind::Sq8:
      (by_ip() ? k.scan_sq8_neg_ip : k.scan_sq8_l2)(terms.a.data(), 1, terms.w.data(), list.code_data(), npanels, dim, out, npanels * kPanelWidth);
      shift = terms.bias;
      break;
    case IvfKind::Pq:
      if (!by_ip()) {  // L2 tables depend on the residual to this list's centroid
        for (size_t d = 0; d < dim; ++d) terms.residual[d] = query[d] - centroids_[list_no * dim + d];
        pq_.tables(terms.residual.data(), false, terms.tables.data());
      } else {  // -<q, x> = -<q, centroid> - <q, residual>
        shift = -k.ip(query, centroids_.data() + list_no * dim, dim);
      }
      k.scan_pq(terms.tables.data(), list.code_data(), npanels, params_.m, out);
      break;
  }
  shift_scores(out, list.size(), shift);
}

void IvfIndex::keep(size_t list_no, float* scores, BitsetView exclude, DistanceWindow window, TopK& heap) const {
  const List& list = lists_[list_no];
  const size_t n = list.size();
  if (window.bounded()) {  // out of range: NaN, which never enters a heap
    for (size_t j = 0; j < n; ++j) scores[j] = window.contains(scores[j]) ? scores[j] : __builtin_nanf("");
  }
  offer(heap, scores, n, [&](size_t j) { return exclude.test(list.rows[j]); }, [&](size_t j) { return list.ids[j]; });
}

void IvfIndex::scan_list(size_t list_no, const float* query, QueryTerms& terms, BitsetView exclude,
                         DistanceWindow window, TopK& heap, std::vector<float>& scratch) const {
  const size_t n = lists_[list_no].size();
  if (n == 0) return;
  scratch.resize(panel_count(n) * kPanelWidth);
  list_scores(list_no, query, terms, scratch.data());
  keep(list_no, scratch.data(), exclude, window, heap);
}

namespace {

// The `count` lists with the smallest coarse scores, nearest first (ties: the smaller list
// number). For a few of many, one pass keeping a short sorted list: almost every list fails
// the first compare, which is far cheaper than sorting or heaping all of them (a partial
// sort took a tenth of a small index's search). For many, a selection and a sort.
std::vector<uint32_t> nearest_lists(const float* coarse, size_t nlist, size_t count) {
  if (count > 64) {
    std::vector<uint32_t> order(nlist);
    std::iota(order.begin(), order.end(), 0u);
    auto nearer = [&](uint32_t a, uint32_t b) { return coarse[a] < coarse[b] || (coarse[a] == coarse[b] && a < b); };
    if (count < order.size()) std::nth_element(order.begin(), order.begin() + std::ptrdiff_t(count), order.end(), nearer);
    order.resize(count);
    std::sort(order.begin(), order.end(), nearer);
    return order;
  }
  std::vector<std::pair<float, uint32_t>> best;
  best.reserve(count + 1);
  for (uint32_t l = 0; l < nlist; ++l) {
    const float d = coarse[l];
    if (best.size() == count && !(d < best.back().first)) continue;
    auto at = std::upper_bound(best.begin(), best.end(), d, [](float v, const std::pair<float, uint32_t>& e) { return v < e.first; });
    best.insert(at, {d, l});
    if (best.size() > count) best.pop_back();
  }
  std::vector<uint32_t> lists(best.size());
  for (size_t i = 0; i < best.size(); ++i) lists[i] = best[i].second;
  return lists;
}

constexpr size_t kScoreFloats = size_t(1) << 20;  // scratch scores a search group may hold: 4 MiB

// Queries searched together by one pool task. A list that several of them probe is read once
// for all of them, so a group is as large as the threads allow (about nq / threads), within
// bounds that keep its scratch small: at most 256 queries, and coarse scores within kScoreFloats.
size_t group_size(size_t nq, size_t threads, size_t nlist) {
  constexpr size_t kMin = 16, kMax = 256;
  const size_t most = std::max(kMin, std::min(kMax, kScoreFloats / (panel_count(nlist) * kPanelWidth)));
  return std::clamp((nq + threads - 1) / std::max<size_t>(threads, 1), kMin, most);
}

}  // namespace

void IvfIndex::scan_by_list(const float* queries, const std::vector<std::vector<uint32_t>>& nearest, std::vector<QueryTerms>& terms,
                            QueryTerms& residual_terms, BitsetView exclude, DistanceWindow window, std::vector<TopK>& heaps) const {
  const size_t nlist = params_.nlist, dim = params_.dim, count = nearest.size();
  const Kernels& kern = kernels();
  // Which queries probe each list: a counting sort of the (list, query) pairs by list.
  std::vector<uint32_t> first(nlist + 1, 0);
  for (const auto& lists : nearest)
    for (uint32_t list_no : lists) ++first[list_no + 1];
  for (size_t l = 0; l < nlist; ++l) first[l + 1] += first[l];
  std::vector<uint32_t> probers(first[nlist]);
  std::vector<uint32_t> next(first.begin(), first.end() - 1);
  for (size_t i = 0; i < count; ++i)
    for (uint32_t list_no : nearest[i]) probers[next[list_no]++] = uint32_t(i);
  std::vector<float> scratch, batch;
  for (size_t l = 0; l < nlist; ++l) {
    const size_t n = lists_[l].size(), m = first[l + 1] - first[l];
    if (n == 0 || m == 0) continue;
    const uint32_t* who = probers.data() + first[l];
    if (params_.kind == IvfKind::Pq || m == 1) {
      // One query at a time, one after another: the list stays in cache between them.
      for (size_t j = 0; j < m; ++j) {
        scan_list(l, queries + size_t(who[j]) * dim, terms_for(terms, residual_terms, who[j]), exclude, window, heaps[who[j]], scratch);
      }
      continue;
    }
    // IVF_FLAT and IVF_SQ8: the list's panels pass once through the batch kernel for all its
    // queries (a long list for as many as kScoreFloats scores hold). Each score is summed in
    // the same order as for one query, so a query's hits do not depend on which others share
    // its batch.
    const bool flat = params_.kind == IvfKind::Flat;
    const size_t npanels = panel_count(n), stride = npanels * kPanelWidth, slice = std::max<size_t>(1, kScoreFloats / stride);
    for (size_t j0 = 0; j0 < m; j0 += slice) {
      const size_t mj = std::min(slice, m - j0);
      batch.resize(mj * dim);  // the queries, or IVF_SQ8's terms of them
      for (size_t j = 0; j < mj; ++j) {
        const size_t q = who[j0 + j];
        std::copy_n(flat ? queries + q * dim : terms[q].a.data(), dim, batch.data() + j * dim);
      }
      scratch.resize(mj * stride);
      if (flat) {
        (by_ip() ? kern.scan_neg_ip : kern.scan_l2sq)(batch.data(), mj, lists_[l].vector_data(), npanels, dim, scratch.data(), stride);
      } else {
        (by_ip() ? kern.scan_sq8_neg_ip : kern.scan_sq8_l2)(batch.data(), mj, terms[who[j0]].w.data(), lists_[l].code_data(), npanels, dim,
                                                            scratch.data(), stride);
      }
      for (size_t j = 0; j < mj; ++j) {
        float* scores = scratch.data() + j * stride;
        if (!flat) shift_scores(scores, n, terms[who[j0 + j]].bias);
        keep(l, scores, exclude, window, heaps[who[j0 + j]]);
      }
    }
  }
}

void IvfIndex::search_group(const float* queries, size_t count, size_t k, const SearchParams& params, BitsetView exclude,
                            std::vector<TopK>& heaps) const {
  const size_t nlist = params_.nlist, dim = params_.dim;
  const size_t nprobe = std::min(params.nprobe, nlist);
  const Kernels& kern = kernels();
  // Coarse scores of the group against every centroid, with the batch kernel.
  const size_t ld = panel_count(nlist) * kPanelWidth;
  std::vector<float> coarse(count * ld);
  (by_ip() ? kern.scan_neg_ip : kern.scan_l2sq)(queries, count, centroid_panels_.data(), panel_count(nlist), dim, coarse.data(), ld);
  std::vector<QueryTerms> terms(count);
  // IVF_PQ with L2 makes its tables per list (from the residual): one scratch for the group.
  QueryTerms residual_terms;
  if (params_.kind == IvfKind::Pq && !by_ip()) {
    residual_terms.tables.resize(params_.m * Pq::kCodewords);
    residual_terms.residual.resize(dim);
  }
  std::vector<std::vector<uint32_t>> nearest(count);
  for (size_t i = 0; i < count; ++i) {
    const float* query = queries + i * dim;
    if (params_.kind == IvfKind::Sq8) {
      terms[i].a.resize(dim);
      terms[i].w.resize(dim);
      sq8_.query_terms(query, by_ip(), terms[i].a.data(), terms[i].w.data(), &terms[i].bias);
    } else if (params_.kind == IvfKind::Pq && by_ip()) {
      terms[i].tables.resize(params_.m * Pq::kCodewords);
      pq_.tables(query, true, terms[i].tables.data());
    }
    nearest[i] = nearest_lists(coarse.data() + i * ld, nlist, nprobe);
  }
  std::vector<float> scratch;
  if (count == 1) {  // one query: its lists nearest first, so that its heap's bar rises soonest
    for (uint32_t list_no : nearest[0]) scan_list(list_no, queries, terms_for(terms, residual_terms, 0), exclude, params.window, heaps[0], scratch);
  } else {
    scan_by_list(queries, nearest, terms, residual_terms, exclude, params.window, heaps);
  }
  // The nprobe nearest lists did not yield k hits (small lists, or a filter that rejects
  // most rows): go on to the others, nearest first, until they do. A range search does not:
  // few hits inside its window is its usual answer, not a shortfall.
  if (params.window.bounded() || nprobe == nlist) return;
  for (size_t i = 0; i < count; ++i) {
    if (heaps[i].size() >= k) continue;
    const float* row = coarse.data() + i * ld;
    std::vector<bool> scanned(nlist, false);
    for (uint32_t list_no : nearest[i]) scanned[list_no] = true;
    std::vector<uint32_t> rest;
    rest.reserve(nlist - nprobe);
    for (uint32_t l = 0; l < nlist; ++l) if (!scanned[l]) rest.push_back(l);
    std::sort(rest.begin(), rest.end(), [&](uint32_t a, uint32_t b) { return row[a] < row[b] || (row[a] == row[b] && a < b); });
    for (uint32_t list_no : rest) {
      if (heaps[i].size() >= k) break;
      scan_list(list_no, queries + i * dim, terms_for(terms, residual_terms, i), exclude, params.window, heaps[i], scratch);
    }
  }
}

SearchResult IvfIndex::search(const float* queries, size_t nq, size_t k, BitsetView exclude, ThreadPool& pool,
                              const SearchParams& params) const {
  check_search_shape(nq, k);
  if (params.nprobe == 0) throw Error(code::kInvalidArgument, "nprobe must be at least 1");
  if (params.refine == 0) throw Error(code::kInvalidArgument, "refine must be at least 1");
  const size_t dim = params_.dim;
  check_finite(queries, nq, dim, "query");
  std::vector<float> normalized;
  queries = unit_rows_if(params_.metric == Metric::Cosine, queries, nq, dim, normalized);
  std::shared_lock<std::shared_mutex> lock(mutex_);
  check_trained();
  SearchResult result(nq, std::min(k, where_.size()));
  const bool refine = params_.kind == IvfKind::Pq && params_.keep_raw && params.refine > 1;
  const size_t candidates = refine ? std::min(kMaxK, k * params.refine) : k;
  const Kernels& kern = kernels();
  const size_t group = group_size(nq, pool.size(), params_.nlist);
  pool.parallel_for((nq + group - 1) / group, [&](size_t item) {
    const size_t q0 = item * group, count = std::min(group, nq - q0);
    std::vector<TopK> heaps(count, TopK(candidates));
    search_group(queries + q0 * dim, count, candidates, params, exclude, heaps);
    for (size_t i = 0; i < count; ++i) {
      const float* query = queries + (q0 + i) * dim;
      std::vector<Hit> hits = heaps[i].take_sorted();
      if (refine) {  // exact distances from the kept vectors decide the final order
        TopK exact(k);
        for (const Hit& h : hits) {
          const IdLocation at = *where_.find(h.id);
          const float* v = lists_[at.list].raw_data() + size_t(at.position) * dim;
          const float d = by_ip() ? -kern.ip(query, v, dim) : kern.l2sq(query, v, dim);
          if (params.window.contains(d)) exact.push(Hit{d, h.id});
        }
        hits = exact.take_sorted();
      }
      result.set_row(q0 + i, hits, params_.metric);
    }
  });
  return result;
}

}  // namespace qv
