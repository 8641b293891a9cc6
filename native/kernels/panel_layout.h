// Rows stored 16 to a panel, dimension-major inside each panel (see kernels.h). These
// helpers put, read and move one row of such a layout, for floats or one-byte codes.
#pragma once

#include <cstddef>

#include "kernels.h"

namespace qv {

// Writes `width` values of `row` (row-major input) into the panels.
template <class E>
void panel_put(E* panels, size_t width, size_t row, const E* values) {
  E* dst = panels + (row / kPanelWidth) * width * kPanelWidth + (row % kPanelWidth);
  for (size_t d = 0; d < width; ++d) dst[d * kPanelWidth] = values[d];
}

// Reads `width` values of `row` back into row-major form.
template <class E>
void panel_get(const E* panels, size_t width, size_t row, E* values) {
  const E* src = panels + (row / kPanelWidth) * width * kPanelWidth + (row % kPanelWidth);
  for (size_t d = 0; d < width; ++d) values[d] = src[d * kPanelWidth];
}

// Copies row `from` over row `to` (swap-remove).
template <class E>
void panel_move(E* panels, size_t width, size_t from, size_t to) {
  const E* src = panels + (from / kPanelWidth) * width * kPanelWidth + (from % kPanelWidth);
  E* dst = panels + (to / kPanelWidth) * width * kPanelWidth + (to % kPanelWidth);
  for (size_t d = 0; d < width; ++d) dst[d * kPanelWidth] = src[d * kPanelWidth];
}

}  // namespace qv
