// Linked into the static Linux prebuild only (see CMakeLists.txt).
//
// Debian's librocksdb.a (and libbz2.a) are position-independent *executable* code: they
// reach glibc variables with PC-relative relocations, which only an executable may contain. These
// hidden definitions give those references a target inside quiverdb.node:
//  - __libc_single_threaded stays 0 ("not single-threaded"), the conservative answer: the
//    C++ runtime then always uses atomic reference counts, which is what a process with
//    our thread pool needs anyway;
//  - stdin, stdout and stderr are set from glibc's own streams when the addon loads.
// <cstdio> is deliberately not included: it declares the real streams.
#include <dlfcn.h>

struct _IO_FILE;

extern "C" {
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;
__attribute__((visibility("hidden"))) _IO_FILE* stdin = nullptr;
__attribute__((visibility("hidden"))) _IO_FILE* stdout = nullptr;
__attribute__((visibility("hidden"))) _IO_FILE* stderr = nullptr;
}

namespace {

_IO_FILE* glibc_stream(const char* name) {
  // RTLD_DEFAULT skips our hidden copies: they are not in the dynamic symbol table.
  auto** stream = static_cast<_IO_FILE**>(dlsym(RTLD_DEFAULT, name));
  return stream != nullptr ? *stream : nullptr;
}

__attribute__((constructor(101))) void adopt_glibc_streams() {
  stdin = glibc_stream("stdin");
  stdout = glibc_stream("stdout");
  stderr = glibc_stream("stderr");
}

}  // namespace
