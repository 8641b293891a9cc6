// Inverted-file indexes: a k-means coarse quantiser splits the space into nlist cells;
// each cell's list holds its vectors raw (IVF_FLAT), as 8-bit scalar codes (IVF_SQ8) or
// as product-quantised residuals (IVF_PQ). A search scans the nprobe nearest lists.
//
// Rows are numbered in the order vectors were added (as in FlatIndex), so an exclusion
// bitset over rows means the same in both. The bitset is applied inside the scan, and the
// search keeps probing further lists until k rows that pass are found (or none are left).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "../common/aligned_buffer.h"
#include "../common/binary_file.h"
#include "../common/mapped_file.h"
#include "../kernels/kernels.h"
#include "../runtime/thread_pool.h"
#include "bitset.h"
#include "id_locations.h"
#include "kmeans.h"
#include "pq.h"
#include "sq8.h"
#include "topk.h"
#include "vector_index.h"

namespace qv {

enum class IvfKind { Flat, Sq8, Pq };

struct IvfParams {
  IvfKind kind = IvfKind::Flat;
  Metric metric = Metric::L2;
  size_t dim = 0;
  size_t nlist = 128;      // Milvus's default
  size_t m = 0;            // IVF_PQ: sub-quantisers; dim must be a multiple
  size_t nbits = 8;        // IVF_PQ: bits per code (8 is the only size)
  bool keep_raw = false;   // IVF_PQ: keep the vectors too, to re-rank the best candidates
  uint64_t seed = 42;
  size_t iterations = 10;  // k-means iterations
};

// At most this many training points per centroid are used (Milvus / faiss: 256).
inline constexpr size_t kMaxTrainingPointsPerCentroid = 256;

class IvfIndex final : public VectorIndex {
 public:
  explicit IvfIndex(const IvfParams& params);

  const IvfParams& params() const { return params_; }
  size_t dim() const override { return params_.dim; }
  Metric metric() const override { return params_.metric; }
  bool trained() const;
  size_t size() const;  // vectors held
  size_t rows() const override;  // rows ever added (removed ones included)
  size_t memory_bytes() const override;
  std::vector<uint32_t> list_sizes() const;

  // Learns the quantisers from a sample of at most 256 x nlist of these vectors. Refused
  // once the index holds vectors (their codes would no longer mean anything).
  void train(const float* vectors, size_t n, ThreadPool& pool, const Progress& progress = nullptr);

  // All or nothing, as FlatIndex::add.
  void add(const float* vectors, const int64_t* ids, size_t n, ThreadPool& pool, const Progress& progress = nullptr);

  size_t remove(const int64_t* ids, size_t n);

  // Scans the params.nprobe nearest lists (more while fewer than k rows pass); with a window,
  // keeps only scores inside it (the quantised scores for IVF_SQ8 and IVF_PQ, the exact ones
  // after a refine).
  SearchResult search(const float* queries, size_t nq, size_t k, BitsetView exclude, ThreadPool& pool,
                      const SearchParams& params) const override;

  // Writes to a temporary file and renames it, so a crash never leaves half a file.
  void save(const std::string& path) const;
  // Rejects a foreign, truncated or damaged file (its CRC-32C), and fields that do not fit
  // the index type, with Error(kInvalidFile); another format version with kVersionMismatch.
  // With map, the lists' vectors and codes are not copied into memory: they are read from
  // the file's pages as searches need them (a change to the index copies them in first).
  static std::unique_ptr<IvfIndex> load(const std::string& path, bool map = false);
  // Bytes of the lists read in place from a mapped file (0 when nothing is mapped).
  size_t mapped_bytes() const;

 private:
  struct List {
    std::vector<int64_t> ids;
    std::vector<uint32_t> rows;
    AlignedFloats vectors;       // IVF_FLAT: panel layout
    std::vector<uint8_t> codes;  // IVF_SQ8 (dim bytes a row) / IVF_PQ (m bytes a row): panel layout
    std::vector<float> raw;      // IVF_PQ with keep_raw: row-major
    // Loaded: the same, read in place from the file (map) or from the index's slab, until a
    // change copies them in.
    const float* mapped_vectors = nullptr;
    const uint8_t* mapped_codes = nullptr;
    const float* mapped_raw = nullptr;
    size_t size() const { return ids.size(); }
    const float* vector_data() const { return mapped_vectors != nullptr ? mapped_vectors : vectors.data(); }
    const uint8_t* code_data() const { return mapped_codes != nullptr ? mapped_codes : codes.data(); }
    const float* raw_data() const { return mapped_raw != nullptr ? mapped_raw : raw.data(); }
  };
  struct Encoded;     // a batch assigned to lists and encoded, ready to append
  struct QueryTerms;  // per-query values every list scan reuses

  static std::unique_ptr<IvfIndex> load_checked(const std::string& path, bool map);
  void read_lists_v2(BinaryReader& r);
  void read_lists(BinaryReader& r, const MappedFile* mapping);
  void own_lists();  // copies mapped or slab lists into their own memory (unique lock held), before a change
  bool by_ip() const { return params_.metric != Metric::L2; }
  size_t code_bytes() const;  // per row in a list's codes
  void check_trained() const;
  Encoded encode(const float* vectors, size_t n, ThreadPool& pool) const;
  void append(List& list, const int64_t* id, uint32_t row, const float* vector, const uint8_t* code);
  // The group's queries (packed) against their nearest lists, each list read once for all
  // the queries that probe it; into heaps (one per query, k or more slots).
  void search_group(const float* queries, size_t count, size_t k, const SearchParams& params, BitsetView exclude,
                    std::vector<TopK>& heaps) const;
  // Each list that the group's queries probe (nearest[i]: query i's lists), read once for all
  // of them, with their terms (see terms_for).
  void scan_by_list(const float* queries, const std::vector<std::vector<uint32_t>>& nearest, std::vector<QueryTerms>& terms,
                    QueryTerms& residual_terms, BitsetView exclude, DistanceWindow window, std::vector<TopK>& heaps) const;
  // Query i's terms: IVF_PQ with L2 shares residual_terms (its tables are made per list).
  static QueryTerms& terms_for(std::vector<QueryTerms>& terms, QueryTerms& residual_terms, size_t i);
  // One list's scores for one query into out (panel_count(size) x kPanelWidth floats).
  void list_scores(size_t list_no, const float* query, QueryTerms& terms, float* out) const;
  // Offers a list's scores to a heap, past the exclusions and outside the window.
  void keep(size_t list_no, float* scores, BitsetView exclude, DistanceWindow window, TopK& heap) const;
  void scan_list(size_t list_no, const float* query, QueryTerms& terms, BitsetView exclude, DistanceWindow window,
                 TopK& heap, std::vector<float>& scratch) const;

  IvfParams params_;
  mutable std::shared_mutex mutex_;
  bool trained_ = false;
  std::vector<float> centroids_;       // nlist x dim, row-major
  std::vector<float> centroid_panels_; // the same in panel layout, for the coarse search
  Sq8 sq8_;
  Pq pq_;
  std::vector<List> lists_;
  std::shared_ptr<const MappedFile> mapping_;  // what mapped lists point into
  // What loaded lists' payloads point into: one buffer for them all, asked for huge pages.
  // In a buffer of its own, a list got them or not by the history of malloc (buffers past its
  // mmap threshold get a mapping each, too small for a huge page), so a loaded index could be
  // scanned through small pages while the same index built in the same process was not.
  std::unique_ptr<uint8_t, void (*)(void*)> slab_{nullptr, std::free};
  size_t slab_bytes_ = 0;
  IdLocations where_;
  uint32_t next_row_ = 0;
  uint64_t generation_ = 0;  // counts train() calls: add() checks its codes are of the current quantisers
};

const char* ivf_kind_name(IvfKind kind);

}  // namespace qv
