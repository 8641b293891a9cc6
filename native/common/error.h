// Errors the engine reports. Each carries a stable code that the TypeScript layer turns
// into a typed error class; the codes are part of the public contract. Every code, native or
// not, is listed once in error_codes.json, which test/error-codes.test.ts checks this file,
// src/errors.ts and the README against.
#pragma once

#include <stdexcept>
#include <string>

namespace qv {

namespace code {
inline constexpr const char* kInvalidArgument = "QV_INVALID_ARGUMENT";
inline constexpr const char* kDimensionMismatch = "QV_DIMENSION_MISMATCH";
inline constexpr const char* kNonFinite = "QV_NON_FINITE";
inline constexpr const char* kInvalidK = "QV_INVALID_K";
inline constexpr const char* kDuplicateId = "QV_DUPLICATE_ID";
inline constexpr const char* kNotTrained = "QV_NOT_TRAINED";
inline constexpr const char* kTrainingTooSmall = "QV_TRAINING_TOO_SMALL";
inline constexpr const char* kInvalidFile = "QV_INVALID_FILE";
inline constexpr const char* kVersionMismatch = "QV_VERSION_MISMATCH";
inline constexpr const char* kIo = "QV_IO";
inline constexpr const char* kTopicNotFound = "QV_TOPIC_NOT_FOUND";
inline constexpr const char* kTopicExists = "QV_TOPIC_EXISTS";
inline constexpr const char* kInvalidTopic = "QV_INVALID_TOPIC";
inline constexpr const char* kPayloadTooLarge = "QV_PAYLOAD_TOO_LARGE";
inline constexpr const char* kGroupNotFound = "QV_GROUP_NOT_FOUND";
inline constexpr const char* kClosed = "QV_CLOSED";
inline constexpr const char* kStorage = "QV_STORAGE";
inline constexpr const char* kLocked = "QV_LOCKED";
inline constexpr const char* kInternal = "QV_INTERNAL";
}  // namespace code

class Error : public std::runtime_error {
 public:
  Error(const char* code, const std::string& message);
  const char* code() const noexcept { return code_; }

 private:
  const char* code_;  // always one of the constants above
};

}  // namespace qv
