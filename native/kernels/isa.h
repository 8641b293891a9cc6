// Instruction sets the distance kernels are compiled for, and which of them this CPU runs.
#pragma once

#include <string>
#include <vector>

namespace qv {

enum class Isa { Scalar, Avx2, Avx512, Neon };

const char* isa_name(Isa isa);

// Parses "scalar", "avx2", "avx512" or "neon"; returns false for anything else.
bool parse_isa(const std::string& name, Isa* out);

// True when this build has kernels for `isa` and this CPU (and OS) can execute them.
bool isa_supported(Isa isa);

// Every supported ISA, scalar first.
std::vector<Isa> supported_isas();

// The fastest supported ISA, found by CPUID once.
Isa best_isa();

}  // namespace qv
