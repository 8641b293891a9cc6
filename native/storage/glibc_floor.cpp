// Linked into the static Linux prebuild only (see CMakeLists.txt), with -Wl,--wrap=<name> for
// every function below (CMake reads the names from this file: a QV_AT_VERSION line at the
// start of a line, or a __wrap_<name>( definition): whatever object calls one (ours,
// RocksDB's, the static libstdc++'s) calls __wrap_<name> instead. So the prebuild, although
// built against this machine's glibc, asks for nothing newer than glibc 2.28, the oldest one
// Node 20 runs on (checked by a test with objdump -T). Three kinds of function:
//  - those glibc 2.34 moved into libc.so.6 (pthread_*, dl*) or 2.29 gave new versions (exp,
//    log, log2, pow): called at their first version, which every glibc since has kept;
//  - those older glibcs reach through inline wrappers (stat, fstat: __xstat before 2.33) or
//    lack (gettid before 2.30, arc4random before 2.36): made from system calls here;
//  - pthread_cond_clockwait (2.30): a timed wait on the condition variable's own clock.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#define QV_GLIBC_FIRST "GLIBC_2.2.5"
#define QV_GLIBC_SETNAME "GLIBC_2.12"
#elif defined(__aarch64__)
#define QV_GLIBC_FIRST "GLIBC_2.17"
#define QV_GLIBC_SETNAME "GLIBC_2.17"
#else
#error "the glibc floor knows x86-64 and aarch64 only"
#endif

// __wrap_<name>(params) calls <name> at `version` through a local alias bound by .symver.
#define QV_AT_VERSION(ret, name, version, params, args)                  \
  ret qv_old_##name params;                                              \
  __asm__(".symver qv_old_" #name "," #name "@" version);                \
  __attribute__((visibility("hidden"))) ret __wrap_##name params {       \
    return qv_old_##name args;                                           \
  }

extern "C" {

QV_AT_VERSION(double, exp, QV_GLIBC_FIRST, (double x), (x))
QV_AT_VERSION(double, log, QV_GLIBC_FIRST, (double x), (x))
QV_AT_VERSION(double, log2, QV_GLIBC_FIRST, (double x), (x))
QV_AT_VERSION(double, pow, QV_GLIBC_FIRST, (double x, double y), (x, y))

QV_AT_VERSION(int, pthread_create, QV_GLIBC_FIRST,
              (pthread_t * thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg), (thread, attr, start, arg))
QV_AT_VERSION(int, pthread_detach, QV_GLIBC_FIRST, (pthread_t thread), (thread))
QV_AT_VERSION(int, pthread_join, QV_GLIBC_FIRST, (pthread_t thread, void** result), (thread, result))
QV_AT_VERSION(int, pthread_key_create, QV_GLIBC_FIRST, (pthread_key_t * key, void (*destroy)(void*)), (key, destroy))
QV_AT_VERSION(int, __pthread_key_create, QV_GLIBC_FIRST, (pthread_key_t * key, void (*destroy)(void*)), (key, destroy))
QV_AT_VERSION(int, pthread_setspecific, QV_GLIBC_FIRST, (pthread_key_t key, const void* value), (key, value))
QV_AT_VERSION(int, pthread_once, QV_GLIBC_FIRST, (pthread_once_t * once, void (*init)(void)), (once, init))
QV_AT_VERSION(int, pthread_mutex_trylock, QV_GLIBC_FIRST, (pthread_mutex_t * mutex), (mutex))
QV_AT_VERSION(int, pthread_mutexattr_init, QV_GLIBC_FIRST, (pthread_mutexattr_t * attr), (attr))
QV_AT_VERSION(int, pthread_mutexattr_destroy, QV_GLIBC_FIRST, (pthread_mutexattr_t * attr), (attr))
QV_AT_VERSION(int, pthread_mutexattr_settype, QV_GLIBC_FIRST, (pthread_mutexattr_t * attr, int type), (attr, type))
QV_AT_VERSION(int, pthread_rwlock_init, QV_GLIBC_FIRST, (pthread_rwlock_t * lock, const pthread_rwlockattr_t* attr), (lock, attr))
QV_AT_VERSION(int, pthread_rwlock_destroy, QV_GLIBC_FIRST, (pthread_rwlock_t * lock), (lock))
QV_AT_VERSION(int, pthread_rwlock_rdlock, QV_GLIBC_FIRST, (pthread_rwlock_t * lock), (lock))
QV_AT_VERSION(int, pthread_rwlock_wrlock, QV_GLIBC_FIRST, (pthread_rwlock_t * lock), (lock))
QV_AT_VERSION(int, pthread_rwlock_unlock, QV_GLIBC_FIRST, (pthread_rwlock_t * lock), (lock))
QV_AT_VERSION(int, pthread_setname_np, QV_GLIBC_SETNAME, (pthread_t thread, const char* name), (thread, name))

QV_AT_VERSION(void*, dlopen, QV_GLIBC_FIRST, (const char* file, int mode), (file, mode))
QV_AT_VERSION(void*, dlsym, QV_GLIBC_FIRST, (void* handle, const char* name), (handle, name))
QV_AT_VERSION(int, dladdr, QV_GLIBC_FIRST, (const void* address, Dl_info* info), (address, info))

// The kernel's struct stat is glibc's on x86-64 and aarch64.
__attribute__((visibility("hidden"))) int __wrap_stat(const char* path, struct stat* out) {
  return int(syscall(SYS_newfstatat, AT_FDCWD, path, out, 0));
}
__attribute__((visibility("hidden"))) int __wrap_fstat(int fd, struct stat* out) {
  return int(syscall(SYS_fstat, fd, out));
}
__attribute__((visibility("hidden"))) int __wrap_fstat64(int fd, struct stat* out) {
  return int(syscall(SYS_fstat, fd, out));
}

__attribute__((visibility("hidden"))) pid_t __wrap_gettid(void) {
  return pid_t(syscall(SYS_gettid));
}

// std::random_device's source: the kernel's random bytes.
__attribute__((visibility("hidden"))) uint32_t __wrap_arc4random(void) {
  uint32_t value = 0;
  while (syscall(SYS_getrandom, &value, sizeof value, 0) != long(sizeof value)) {
    if (errno != EINTR) break;  // no getrandom (Linux < 3.17): not reached on glibc 2.28 systems
  }
  return value;
}

// Waits until `deadline` on `clock`: the same span, measured as a deadline on the realtime
// clock, which is what pthread_cond_timedwait measures against by default.
__attribute__((visibility("hidden"))) int __wrap_pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                                                         clockid_t clock, const struct timespec* deadline) {
  struct timespec now, real;
  clock_gettime(clock, &now);
  clock_gettime(CLOCK_REALTIME, &real);
  int64_t left = (int64_t(deadline->tv_sec) - now.tv_sec) * 1000000000 + (deadline->tv_nsec - now.tv_nsec);
  if (left < 0) left = 0;
  const int64_t until = int64_t(real.tv_sec) * 1000000000 + real.tv_nsec + left;
  const struct timespec target = {time_t(until / 1000000000), long(until % 1000000000)};
  return pthread_cond_timedwait(cond, mutex, &target);
}

}  // extern "C"
