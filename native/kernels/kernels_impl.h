// The kernels, written once over a vector-traits type T and instantiated by each ISA's
// translation unit after it has selected its target. Include it only inside an anonymous
// namespace: every instantiation must stay local to its unit (one-definition rule).
//
// T provides: V (vector type), kWidth (floats per V), kMQ x kNP (queries x panels per
// register block for batches), kNPFew (panels per block for one or two queries: 1, since
// reading several panels at once means several memory streams, which measured slower), and
// zero, load, set1, add, sub, mul, fmadd(a, b, c) = a * b + c, fnmadd(a, b, c) = c - a * b,
// reduce (horizontal sum), load_u8 (kWidth bytes as floats) and gather (table[idx[i]] for
// kWidth one-byte indexes).

template <class T>
float pair_l2sq(const float* a, const float* b, size_t dim) {
  constexpr size_t W = T::kWidth;
  typename T::V acc0 = T::zero(), acc1 = T::zero();
  size_t d = 0;
  for (; d + 2 * W <= dim; d += 2 * W) {
    typename T::V x0 = T::sub(T::load(a + d), T::load(b + d));
    typename T::V x1 = T::sub(T::load(a + d + W), T::load(b + d + W));
    acc0 = T::fmadd(x0, x0, acc0);
    acc1 = T::fmadd(x1, x1, acc1);
  }
  for (; d + W <= dim; d += W) {
    typename T::V x = T::sub(T::load(a + d), T::load(b + d));
    acc0 = T::fmadd(x, x, acc0);
  }
  float sum = T::reduce(T::add(acc0, acc1));
  for (; d < dim; ++d) {
    float x = a[d] - b[d];
    sum += x * x;
  }
  return sum;
}

template <class T>
float pair_ip(const float* a, const float* b, size_t dim) {
  constexpr size_t W = T::kWidth;
  typename T::V acc0 = T::zero(), acc1 = T::zero();
  size_t d = 0;
  for (; d + 2 * W <= dim; d += 2 * W) {
    acc0 = T::fmadd(T::load(a + d), T::load(b + d), acc0);
    acc1 = T::fmadd(T::load(a + d + W), T::load(b + d + W), acc1);
  }
  for (; d + W <= dim; d += W) acc0 = T::fmadd(T::load(a + d), T::load(b + d), acc0);
  float sum = T::reduce(T::add(acc0, acc1));
  for (; d < dim; ++d) sum += a[d] * b[d];
  return sum;
}

template <class T>
float pair_cosine(const float* a, const float* b, size_t dim) {
  constexpr size_t W = T::kWidth;
  typename T::V ab = T::zero(), aa = T::zero(), bb = T::zero();
  size_t d = 0;
  for (; d + W <= dim; d += W) {
    typename T::V x = T::load(a + d), y = T::load(b + d);
    ab = T::fmadd(x, y, ab);
    aa = T::fmadd(x, x, aa);
    bb = T::fmadd(y, y, bb);
  }
  float sab = T::reduce(ab), saa = T::reduce(aa), sbb = T::reduce(bb);
  for (; d < dim; ++d) {
    sab += a[d] * b[d];
    saa += a[d] * a[d];
    sbb += b[d] * b[d];
  }
  if (saa == 0.0f || sbb == 0.0f) return 0.0f;
  return sab / __builtin_sqrtf(saa * sbb);
}

// One register block: MQ queries against NP panels, the whole dimension.
template <class T, bool L2, int MQ, int NP>
void panel_block(const float* q, size_t dim, const float* panels, size_t panel_stride, float* out,
                 size_t ld) {
  constexpr int R = int(kPanelWidth / T::kWidth);  // vectors per panel row
  typename T::V acc[MQ][NP][R];
  for (int i = 0; i < MQ; ++i)
    for (int p = 0; p < NP; ++p)
      for (int r = 0; r < R; ++r) acc[i][p][r] = T::zero();

  for (size_t d = 0; d < dim; ++d) {
    typename T::V x[NP][R];
    for (int p = 0; p < NP; ++p)
      for (int r = 0; r < R; ++r)
        x[p][r] = T::load(panels + p * panel_stride + d * kPanelWidth + r * T::kWidth);
    for (int i = 0; i < MQ; ++i) {
      const typename T::V qd = T::set1(q[i * dim + d]);
      for (int p = 0; p < NP; ++p)
        for (int r = 0; r < R; ++r) {
          if constexpr (L2) {
            const typename T::V t = T::sub(x[p][r], qd);
            acc[i][p][r] = T::fmadd(t, t, acc[i][p][r]);
          } else {
            acc[i][p][r] = T::fnmadd(x[p][r], qd, acc[i][p][r]);  // minus the inner product
          }
        }
    }
  }

  for (int i = 0; i < MQ; ++i)
    for (int p = 0; p < NP; ++p)
      for (int r = 0; r < R; ++r) T::store(out + i * ld + p * kPanelWidth + r * T::kWidth, acc[i][p][r]);
}

// Picks the instantiation for a partial block (fewer queries or panels left).
template <class T, bool L2, int MQ, int NP>
void panel_block_upto(int mq, int np, const float* q, size_t dim, const float* panels,
                      size_t panel_stride, float* out, size_t ld) {
  if constexpr (MQ > 1) {
    if (mq < MQ) return panel_block_upto<T, L2, MQ - 1, NP>(mq, np, q, dim, panels, panel_stride, out, ld);
  }
  if constexpr (NP > 1) {
    if (np < NP) return panel_block_upto<T, L2, MQ, NP - 1>(mq, np, q, dim, panels, panel_stride, out, ld);
  }
  panel_block<T, L2, MQ, NP>(q, dim, panels, panel_stride, out, ld);
}

template <class T, bool L2, int MQ, int NP>
void panel_scan_shaped(const float* queries, size_t nq, const float* panels, size_t npanels, size_t dim,
                       float* out, size_t ld) {
  const size_t stride = panel_floats(dim);
  // Panels outermost: a block of panels stays in L1 while every query passes over it.
  for (size_t p0 = 0; p0 < npanels; p0 += NP) {
    const int np = int(npanels - p0 < size_t(NP) ? npanels - p0 : NP);
    for (size_t q0 = 0; q0 < nq; q0 += MQ) {
      const int mq = int(nq - q0 < size_t(MQ) ? nq - q0 : MQ);
      panel_block_upto<T, L2, MQ, NP>(mq, np, queries + q0 * dim, dim, panels + p0 * stride, stride,
                                      out + q0 * ld + p0 * kPanelWidth, ld);
    }
  }
}

template <class T, bool L2>
void panel_scan(const float* queries, size_t nq, const float* panels, size_t npanels, size_t dim,
                float* out, size_t ld) {
  if (nq <= 2) {
    panel_scan_shaped<T, L2, 2, T::kNPFew>(queries, nq, panels, npanels, dim, out, ld);
  } else {
    panel_scan_shaped<T, L2, T::kMQ, T::kNP>(queries, nq, panels, npanels, dim, out, ld);
  }
}

// MQ queries against one panel of scalar-quantised rows: each panel row widened to floats
// once for all of them. A query's sum runs in the same order whatever MQ.
template <class T, bool L2, int MQ>
void sq8_block(const float* a, size_t dim, const float* w, const uint8_t* panel, float* out, size_t ld) {
  constexpr int R = int(kPanelWidth / T::kWidth);
  typename T::V acc[MQ][R];
  for (int i = 0; i < MQ; ++i)
    for (int r = 0; r < R; ++r) acc[i][r] = T::zero();
  for (size_t d = 0; d < dim; ++d) {
    typename T::V x[R];
    for (int r = 0; r < R; ++r) x[r] = T::load_u8(panel + d * kPanelWidth + r * T::kWidth);
    const typename T::V wd = L2 ? T::set1(w[d]) : T::zero();
    for (int i = 0; i < MQ; ++i) {
      const typename T::V ad = T::set1(a[i * dim + d]);
      for (int r = 0; r < R; ++r) {
        if constexpr (L2) {
          const typename T::V t = T::sub(x[r], ad);
          acc[i][r] = T::fmadd(T::mul(t, wd), t, acc[i][r]);
        } else {
          acc[i][r] = T::fnmadd(x[r], ad, acc[i][r]);
        }
      }
    }
  }
  for (int i = 0; i < MQ; ++i)
    for (int r = 0; r < R; ++r) T::store(out + i * ld + r * T::kWidth, acc[i][r]);
}

template <class T, bool L2, int MQ>
void sq8_block_upto(int mq, const float* a, size_t dim, const float* w, const uint8_t* panel, float* out, size_t ld) {
  if constexpr (MQ > 1) {
    if (mq < MQ) return sq8_block_upto<T, L2, MQ - 1>(mq, a, dim, w, panel, out, ld);
  }
  sq8_block<T, L2, MQ>(a, dim, w, panel, out, ld);
}

template <class T, bool L2>
void sq8_scan(const float* a, size_t nq, const float* w, const uint8_t* panels, size_t npanels, size_t dim, float* out,
              size_t ld) {
  // Panels outermost: a panel's codes stay in L1 while every query passes over them.
  for (size_t p = 0; p < npanels; ++p) {
    for (size_t q0 = 0; q0 < nq; q0 += T::kMQ) {
      const int mq = int(nq - q0 < size_t(T::kMQ) ? nq - q0 : T::kMQ);
      sq8_block_upto<T, L2, T::kMQ>(mq, a + q0 * dim, dim, w, panels + p * dim * kPanelWidth, out + q0 * ld + p * kPanelWidth, ld);
    }
  }
}

template <class T>
void pq_scan(const float* tables, const uint8_t* panels, size_t npanels, size_t m, float* out) {
  constexpr int R = int(kPanelWidth / T::kWidth);
  for (size_t p = 0; p < npanels; ++p) {
    const uint8_t* panel = panels + p * m * kPanelWidth;
    typename T::V acc[R];
    for (int r = 0; r < R; ++r) acc[r] = T::zero();
    for (size_t j = 0; j < m; ++j) {
      for (int r = 0; r < R; ++r) acc[r] = T::add(acc[r], T::gather(tables + j * 256, panel + j * kPanelWidth + r * T::kWidth));
    }
    for (int r = 0; r < R; ++r) T::store(out + p * kPanelWidth + r * T::kWidth, acc[r]);
  }
}

template <class T>
double fma_probe(uint64_t iterations) {
  constexpr int kChains = 12;  // enough independent chains to cover FMA latency x ports
  typename T::V acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = T::set1(float(j) * 1e-3f);
  const typename T::V m = T::set1(0.99999f), c = T::set1(1e-6f);
  for (uint64_t it = 0; it < iterations; ++it) {
    for (int j = 0; j < kChains; ++j) acc[j] = T::fmadd(acc[j], m, c);
  }
  typename T::V sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = T::add(sum, acc[j]);
  volatile float sink = T::reduce(sum);  // keeps the loop from being optimised away
  (void)sink;
  return double(iterations) * kChains * T::kWidth;
}

template <class T>
constexpr Kernels make_kernels(Isa isa) {
  return Kernels{isa,
                 &pair_l2sq<T>,
                 &pair_ip<T>,
                 &pair_cosine<T>,
                 &panel_scan<T, true>,
                 &panel_scan<T, false>,
                 &sq8_scan<T, true>,
                 &sq8_scan<T, false>,
                 &pq_scan<T>,
                 &fma_probe<T>};
}
