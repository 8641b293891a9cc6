/**
 * Buffers that a search's query vectors are packed into, reused from search to search. A new
 * Float32Array per batch made V8 run a full mark-compact every few hundred searches (its
 * memory is outside the heap, and counted as pressure on it), a large part of the database's
 * own cost on a small collection. The native search copies the queries when it is called, so
 * a buffer is given back as soon as the search has been answered.
 */

/** Larger batches are packed into buffers of their own: their search dwarfs the collection of one. */
const MAX_POOLED_FLOATS = 1 << 18;
const MAX_POOLED_BUFFERS = 4;
const free: Float32Array[] = [];

/** A buffer of `length` floats: the caller owns it until it gives it back. */
export function borrowFloats(length: number): Float32Array {
  if (length > MAX_POOLED_FLOATS) return new Float32Array(length);
  const at = free.findIndex((buffer) => buffer.length >= length);
  const buffer = at >= 0 ? free.splice(at, 1)[0] : new Float32Array(Math.max(1024, 2 ** Math.ceil(Math.log2(length))));
  return buffer.subarray(0, length);
}

/** Gives a borrowed buffer back; it must not be read or written after this. */
export function returnFloats(view: Float32Array): void {
  const whole = new Float32Array(view.buffer);
  if (whole.length > MAX_POOLED_FLOATS) return;
  if (free.length === MAX_POOLED_BUFFERS) {
    // Keep the larger buffers: they serve every batch the smaller ones do.
    const smallest = free.reduce((min, b, i) => (b.length < free[min].length ? i : min), 0);
    if (free[smallest].length >= whole.length) return;
    free.splice(smallest, 1);
  }
  free.push(whole);
}
