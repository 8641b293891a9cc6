#include "vector_index.h"

#include <cmath>

namespace qv {

DistanceWindow range_window(Metric metric, float radius, float range_filter) {
  DistanceWindow w;
  const bool filtered = !std::isnan(range_filter);
  if (metric == Metric::L2) {
    w.hi = radius;
    if (filtered) w.lo = range_filter;
  } else {
    w.hi = -radius;
    if (filtered) w.lo = -range_filter;
  }
  return w;
}

}  // namespace qv
