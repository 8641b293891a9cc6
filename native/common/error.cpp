#include "error.h"

namespace qv {

Error::Error(const char* code, const std::string& message) : std::runtime_error(message), code_(code) {}

}  // namespace qv
