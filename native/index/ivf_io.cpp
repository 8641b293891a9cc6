// IvfIndex::save / load. The file is little-endian:
//   "QVIVF\0\0\0", u32 version, the parameters, the trained quantisers, then each list's
//   ids, rows and payload, and a footer: u64 bytes before it, u32 CRC-32C of every byte
//   before the CRC, "QVIVFEND".
// Version 3 stores a list's vectors or codes in the panel layout searches scan (16 rows a
// panel on every CPU), each payload starting at a multiple of 64 bytes: so a mapped file is
// searched in place. Version 2 (row-major lists) is still read, into memory.
// load() checks every count against the bytes left before it allocates, so a crafted file
// cannot make it reserve more memory than the file could fill.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "../common/binary_file.h"
#include "../common/crc32c.h"
#include "../common/error.h"
#include "../common/huge_alloc.h"
#include "../kernels/panel_layout.h"
#include "ivf_index.h"

namespace qv {

namespace {
constexpr char kMagic[8] = {'Q', 'V', 'I', 'V', 'F', 0, 0, 0};
constexpr char kFooter[8] = {'Q', 'V', 'I', 'V', 'F', 'E', 'N', 'D'};
constexpr uint32_t kVersion = 3;        // 3: lists in panel layout, aligned for mapping
constexpr uint32_t kRowMajorVersion = 2;  // 2: the footer has a CRC-32C; lists row-major
constexpr size_t kPayloadAlignment = 64;
}  // namespace

void IvfIndex::save(const std::string& path) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  check_trained();
  const std::string temporary = path + ".tmp";
  {
    BinaryWriter w(temporary);
    w.bytes(kMagic, sizeof kMagic);
    w.value<uint32_t>(kVersion);
    w.value<uint32_t>(uint32_t(params_.kind));
    w.value<uint32_t>(uint32_t(params_.metric));
    w.value<uint64_t>(params_.dim);
    w.value<uint64_t>(params_.nlist);
    w.value<uint64_t>(params_.m);
    w.value<uint64_t>(params_.nbits);
    w.value<uint8_t>(params_.keep_raw);
    w.value<uint64_t>(params_.seed);
    w.value<uint64_t>(params_.iterations);
    w.value<uint32_t>(next_row_);
    w.array(centroids_.data(), centroids_.size());
    if (params_.kind == IvfKind::Sq8) {
      w.array(sq8_.vmin().data(), params_.dim);
      w.array(sq8_.step().data(), params_.dim);
    }
    if (params_.kind == IvfKind::Pq) w.array(pq_.codebooks().data(), pq_.codebooks().size());
    const size_t dim = params_.dim, width = code_bytes();
    for (const List& list : lists_) {
      const size_t n = list.size();
      w.value<uint64_t>(n);
      w.array(list.ids.data(), n);
      w.array(list.rows.data(), n);
      w.pad(kPayloadAlignment);
      if (params_.kind == IvfKind::Flat) w.array(list.vector_data(), panel_count(n) * panel_floats(dim));
      else w.array(list.code_data(), panel_count(n) * width * kPanelWidth);
      if (params_.keep_raw) {
        w.pad(kPayloadAlignment);
        w.array(list.raw_data(), n * dim);
      }
    }
    w.value<uint64_t>(w.written());
    w.value<uint32_t>(w.crc());
    w.bytes(kFooter, sizeof kFooter);
    w.close();
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw Error(code::kIo, "cannot rename " + temporary + " to " + path + ": " + std::strerror(errno));
  }
}

std::unique_ptr<IvfIndex> IvfIndex::load(const std::string& path, bool map) {
  try {
    return load_checked(path, map);
  } catch (const std::bad_alloc&) {
    throw Error(code::kInvalidFile, path + " cannot be loaded: not enough memory for the index it describes");
  }
}

namespace {
bool all_finite(const std::vector<float>& values) {
  for (float v : values) if (!std::isfinite(v)) return false;
  return true;
}
}  // namespace

std::unique_ptr<IvfIndex> IvfIndex::load_checked(const std::string& path, bool map) {
  BinaryReader r(path);
  auto corrupt = [&](const char* what) { return Error(code::kInvalidFile, path + " is corrupt (" + what + ")"); };
  char magic[sizeof kMagic];
  r.bytes(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) throw Error(code::kInvalidFile, path + " is not a QuiverDB IVF index");
  const uint32_t version = r.value<uint32_t>();
  if (version != kVersion && version != kRowMajorVersion) {
    throw Error(code::kVersionMismatch, path + " has format version " + std::to_string(version) +
                                            "; this QuiverDB reads versions " + std::to_string(kRowMajorVersion) + " and " + std::to_string(kVersion));
  }
  IvfParams p;
  const uint32_t kind = r.value<uint32_t>(), metric = r.value<uint32_t>();
  if (kind > uint32_t(IvfKind::Pq) || metric > uint32_t(Metric::Cosine)) throw corrupt("kind");
  p.kind = IvfKind(kind);
  p.metric = Metric(metric);
  p.dim = r.value<uint64_t>();
  p.nlist = r.value<uint64_t>();
  p.m = r.value<uint64_t>();
  p.nbits = r.value<uint64_t>();
  const uint8_t keep_raw = r.value<uint8_t>();
  p.keep_raw = keep_raw != 0;
  p.seed = r.value<uint64_t>();
  p.iterations = r.value<uint64_t>();
  // The fields must be what save() writes for this kind of index.
  const bool pq = p.kind == IvfKind::Pq;
  if (keep_raw > 1 || p.nbits != 8 || (!pq && (p.m != 0 || p.keep_raw)) || p.iterations == 0 || p.iterations > 1000) {
    throw corrupt("parameters");
  }
  std::unique_ptr<IvfIndex> index;
  try {
    index = std::make_unique<IvfIndex>(p);
  } catch (const Error&) {
    throw corrupt("parameters");
  }
  IvfIndex& x = *index;
  x.next_row_ = r.value<uint32_t>();
  r.need(p.nlist, p.dim * sizeof(float), "centroids");
  x.centroids_.resize(p.nlist * p.dim);
  r.array(x.centroids_.data(), x.centroids_.size());
  if (!all_finite(x.centroids_)) throw corrupt("centroids");
  x.centroid_panels_.assign(panel_count(p.nlist) * panel_floats(p.dim), 0.0f);
  pack_rows(x.centroids_.data(), p.nlist, p.dim, x.centroid_panels_.data(), 0);
  if (p.kind == IvfKind::Sq8) {
    r.array(x.sq8_.vmin().data(), p.dim);
    r.array(x.sq8_.step().data(), p.dim);
    if (!all_finite(x.sq8_.vmin()) || !all_finite(x.sq8_.step())) throw corrupt("quantiser");
  }
  if (pq) {
    r.need(p.m * Pq::kCodewords, (p.dim / p.m) * sizeof(float), "codebooks");
    x.pq_.codebooks().resize(p.m * Pq::kCodewords * (p.dim / p.m));
    r.array(x.pq_.codebooks().data(), x.pq_.codebooks().size());
    if (!all_finite(x.pq_.codebooks())) throw corrupt("codebooks");
    x.pq_.prepare();
  }
  x.lists_ = std::vector<List>(p.nlist);
  if (version == kRowMajorVersion) {
    x.read_lists_v2(r);
  } else {
    // Mapped before the lists are read: the file is checked as it is read, then searched in place.
    std::shared_ptr<const MappedFile> mapping = map ? std::make_shared<const MappedFile>(path) : nullptr;
    x.read_lists(r, mapping.get());
    x.mapping_ = mapping;
  }
  const uint64_t before_footer = r.read();
  if (r.value<uint64_t>() != before_footer) throw corrupt("length");
  const uint32_t crc = r.crc();
  if (r.value<uint32_t>() != crc) throw corrupt("checksum");
  char footer[sizeof kFooter];
  r.bytes(footer, sizeof footer);
  if (std::memcmp(footer, kFooter, sizeof kFooter) != 0) throw corrupt("footer");
  x.trained_ = true;
  return index;
}

void IvfIndex::read_lists_v2(BinaryReader& r) {
  const size_t dim = params_.dim, width = code_bytes();
  // What one row takes in the file: id, row number, vector or code, and a kept vector.
  const uint64_t row_bytes = sizeof(int64_t) + sizeof(uint32_t) + (params_.kind == IvfKind::Flat ? dim * sizeof(float) : width) +
                             (params_.keep_raw ? dim * sizeof(float) : 0);
  std::vector<float> vector(dim);
  std::vector<uint8_t> code(width);
  uint64_t total = 0;
  for (uint32_t list_no = 0; list_no < params_.nlist; ++list_no) {
    List& list = lists_[list_no];
    const uint64_t n = r.count(next_row_ - total, row_bytes, "list size");
    total += n;
    std::vector<int64_t> ids(n);
    std::vector<uint32_t> rows(n);
    r.array(ids.data(), n);
    r.array(rows.data(), n);
    for (uint64_t i = 0; i < n; ++i) {
      if (params_.kind == IvfKind::Flat) r.array(vector.data(), dim);
      else r.array(code.data(), width);
      if (rows[i] >= next_row_) throw Error(code::kInvalidFile, r.path() + " is corrupt (row number)");
      if (where_.contains(ids[i])) throw Error(code::kInvalidFile, r.path() + " is corrupt (duplicate id)");
      where_.insert(ids[i], IdLocation{list_no, uint32_t(i)});
      append(list, &ids[i], rows[i], vector.data(), code.data());
    }
    if (params_.keep_raw) r.array(list.raw.data(), list.raw.size());  // append() sized it
  }
}

void IvfIndex::read_lists(BinaryReader& r, const MappedFile* mapping) {
  const size_t dim = params_.dim, width = code_bytes();
  const bool flat = params_.kind == IvfKind::Flat;
  // At least what one row takes in the file (ids and rows; payloads are padded to panels).
  const uint64_t row_bytes = sizeof(int64_t) + sizeof(uint32_t) + (flat ? dim * sizeof(float) : width);
  auto in_place = [&](uint64_t bytes) {  // where the payload starting here lies in the mapping
    const uint64_t at = r.read();
    r.skip(bytes);
    if (at + bytes > mapping->size()) throw Error(code::kInvalidFile, r.path() + " changed while it was read");
    return mapping->data() + at;
  };
  if (mapping == nullptr) {
    // Room for every list's payload: a list of n rows takes at most n + kPanelWidth - 1 panel
    // rows, and no more than the file holds; each starts on a cache line. Pages past the last
    // list are never touched.
    const uint64_t row = flat ? dim * sizeof(float) : width;
    const uint64_t by_rows = (uint64_t(next_row_) + uint64_t(params_.nlist) * kPanelWidth) * row;
    const uint64_t bound = std::min(by_rows, r.left()) + uint64_t(params_.nlist) * kCacheLine;
    size_t allocated = 0;
    slab_.reset(static_cast<uint8_t*>(huge_alloc(size_t(bound), &allocated)));
  }
  size_t slab_used = 0;
  uint64_t total = 0;
  for (uint32_t list_no = 0; list_no < params_.nlist; ++list_no) {
    List& list = lists_[list_no];
    const uint64_t n = r.count(next_row_ - total, row_bytes, "list size");
    total += n;
    list.ids.resize(n);
    list.rows.resize(n);
    r.array(list.ids.data(), n);
    r.array(list.rows.data(), n);
    for (uint64_t i = 0; i < n; ++i) {
      if (list.rows[i] >= next_row_) throw Error(code::kInvalidFile, r.path() + " is corrupt (row number)");
      if (where_.contains(list.ids[i])) throw Error(code::kInvalidFile, r.path() + " is corrupt (duplicate id)");
      where_.insert(list.ids[i], IdLocation{list_no, uint32_t(i)});
    }
    r.pad(kPayloadAlignment);
    const uint64_t payload = flat ? panel_count(n) * panel_floats(dim) : panel_count(n) * width * kPanelWidth;
    r.need(payload, flat ? sizeof(float) : 1, "list payload");
    if (mapping != nullptr && flat) {
      list.mapped_vectors = reinterpret_cast<const float*>(in_place(payload * sizeof(float)));
    } else if (mapping != nullptr) {
      list.mapped_codes = in_place(payload);
    } else {
      uint8_t* at = slab_.get() + slab_used;
      slab_used += (payload * (flat ? sizeof(float) : 1) + kCacheLine - 1) / kCacheLine * kCacheLine;
      if (flat) {
        r.array(reinterpret_cast<float*>(at), payload);
        list.mapped_vectors = reinterpret_cast<const float*>(at);
      } else {
        r.array(at, payload);
        list.mapped_codes = at;
      }
    }
    if (params_.keep_raw) {
      r.pad(kPayloadAlignment);
      r.need(n * dim, sizeof(float), "kept vectors");
      if (mapping != nullptr) {
        list.mapped_raw = reinterpret_cast<const float*>(in_place(n * dim * sizeof(float)));
      } else {
        list.raw.resize(n * dim);
        r.array(list.raw.data(), n * dim);
      }
    }
  }
  slab_bytes_ = slab_used;
}

}  // namespace qv
