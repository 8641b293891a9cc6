// Measurements of this machine that benchmarks compare our speed against: how fast memory
// can be streamed and how many float32 FMAs per second the cores can retire.
#pragma once

#include <cstddef>

#include "../kernels/kernels.h"

namespace qv {

// Bytes per second read by `threads` threads streaming a `bytes`-sized buffer, best of
// `rounds` passes.
double measure_read_bandwidth(size_t bytes, size_t threads, int rounds);

// Scalar float32 FMAs per second retired by `threads` threads running k's FMA probe for
// about `seconds`.
double measure_fma_rate(const Kernels& k, size_t threads, double seconds);

}  // namespace qv
