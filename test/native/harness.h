// A minimal unit-test harness for the engine: no dependency, so the same tests build for
// arm64 with only the cross compiler. Each *_test.cpp is one ctest executable.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace harness {

struct Case {
  const char* name;
  std::function<void()> body;
};

inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}

struct Failure {
  std::string message;
};

struct Registrar {
  Registrar(const char* name, std::function<void()> body) { cases().push_back({name, std::move(body)}); }
};

inline int run_all() {
  int failed = 0;
  for (const Case& c : cases()) {
    try {
      c.body();
      std::printf("ok   %s\n", c.name);
    } catch (const Failure& f) {
      ++failed;
      std::printf("FAIL %s: %s\n", c.name, f.message.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s: unexpected exception: %s\n", c.name, e.what());
    }
  }
  std::printf("%d passed, %d failed\n", int(cases().size()) - failed, failed);
  return failed == 0 ? 0 : 1;
}

inline std::string where(const char* file, int line) { return std::string(file) + ":" + std::to_string(line); }

}  // namespace harness

#define QV_CAT2(a, b) a##b
#define QV_CAT(a, b) QV_CAT2(a, b)
#define TEST(name)                                                                \
  static void name();                                                             \
  static harness::Registrar QV_CAT(registrar_, name)(#name, name);                \
  static void name()

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) throw harness::Failure{harness::where(__FILE__, __LINE__) + ": " #cond};     \
  } while (0)

#define CHECK_EQ(a, b)                                                                          \
  do {                                                                                          \
    const auto qv_a = (a);                                                                      \
    const auto qv_b = (b);                                                                      \
    if (!(qv_a == qv_b))                                                                        \
      throw harness::Failure{harness::where(__FILE__, __LINE__) + ": " #a " == " #b " (" +       \
                             std::to_string(qv_a) + " vs " + std::to_string(qv_b) + ")"};       \
  } while (0)

// |a - b| <= tol * max(1, |a|, |b|)
#define CHECK_CLOSE(a, b, tol)                                                                  \
  do {                                                                                          \
    const double qv_a = (a), qv_b = (b);                                                        \
    const double qv_scale = std::fmax(1.0, std::fmax(std::fabs(qv_a), std::fabs(qv_b)));        \
    if (!(std::fabs(qv_a - qv_b) <= (tol) * qv_scale))                                          \
      throw harness::Failure{harness::where(__FILE__, __LINE__) + ": " #a " ~ " #b " (" +        \
                             std::to_string(qv_a) + " vs " + std::to_string(qv_b) + ")"};       \
  } while (0)

#define CHECK_THROWS_CODE(expr, expected_code)                                                  \
  do {                                                                                          \
    bool qv_threw = false;                                                                      \
    try {                                                                                       \
      expr;                                                                                     \
    } catch (const qv::Error& e) {                                                              \
      qv_threw = std::strcmp(e.code(), expected_code) == 0;                                     \
      if (!qv_threw)                                                                            \
        throw harness::Failure{harness::where(__FILE__, __LINE__) + ": threw " + e.code()};     \
    }                                                                                           \
    if (!qv_threw) throw harness::Failure{harness::where(__FILE__, __LINE__) + ": did not throw"}; \
  } while (0)

#define TEST_MAIN() \
  int main() { return harness::run_all(); }
