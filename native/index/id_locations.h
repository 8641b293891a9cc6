// Where each id of an IVF index lives (its list and position). Ids that are small
// non-negative integers (the database numbers a segment's rows 0, 1, 2, ...) are kept in a
// vector indexed by id, 8 bytes each; the first id that is not turns it into a hash map
// (about 40 bytes each), as arbitrary ids need.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace qv {

struct IdLocation {
  uint32_t list;
  uint32_t position;
};

class IdLocations {
 public:
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool contains(int64_t id) const { return find(id) != nullptr; }

  const IdLocation* find(int64_t id) const {
    if (!dense_) {
      auto it = sparse_.find(id);
      return it == sparse_.end() ? nullptr : &it->second;
    }
    if (id < 0 || uint64_t(id) >= by_id_.size() || by_id_[size_t(id)].list == kAbsent) return nullptr;
    return &by_id_[size_t(id)];
  }

  // Adds an id that is not present.
  void insert(int64_t id, IdLocation at) {
    ++count_;
    if (dense_ && !fits_dense(id)) to_sparse();
    if (!dense_) {
      sparse_[id] = at;
      return;
    }
    if (uint64_t(id) >= by_id_.size()) by_id_.resize(std::max(size_t(id) + 1, by_id_.size() * 2), IdLocation{kAbsent, kAbsent});
    by_id_[size_t(id)] = at;
  }

  // Moves a present id.
  void update(int64_t id, IdLocation at) {
    if (dense_) by_id_[size_t(id)] = at;
    else sparse_[id] = at;
  }

  void erase(int64_t id) {
    if (find(id) == nullptr) return;
    --count_;
    if (dense_) by_id_[size_t(id)] = IdLocation{kAbsent, kAbsent};
    else sparse_.erase(id);
  }

  void reserve(size_t n) {
    if (dense_) by_id_.reserve(n);
    else sparse_.reserve(n);
  }

  size_t memory_bytes() const {
    return by_id_.capacity() * sizeof(IdLocation) + sparse_.size() * (sizeof(int64_t) + sizeof(IdLocation) + 2 * sizeof(void*)) +
           sparse_.bucket_count() * sizeof(void*);
  }

 private:
  static constexpr uint32_t kAbsent = UINT32_MAX;
  static constexpr uint64_t kDenseFloor = uint64_t(1) << 20;

  // Dense while the vector stays within a few times the ids it holds.
  bool fits_dense(int64_t id) const { return id >= 0 && uint64_t(id) < std::max<uint64_t>(kDenseFloor, 4 * uint64_t(count_)); }

  void to_sparse() {
    sparse_.reserve(count_);
    for (size_t id = 0; id < by_id_.size(); ++id) {
      if (by_id_[id].list != kAbsent) sparse_[int64_t(id)] = by_id_[id];
    }
    by_id_ = std::vector<IdLocation>();
    dense_ = false;
  }

  bool dense_ = true;
  std::vector<IdLocation> by_id_;
  std::unordered_map<int64_t, IdLocation> sparse_;
  size_t count_ = 0;
};

}  // namespace qv
