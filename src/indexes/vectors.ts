/**
 * Argument checks and conversions shared by the index classes. They run on the calling
 * thread but only look at lengths and types: scanning values (NaN, Infinity) and
 * everything heavier happens natively on the pool.
 */
import { DimensionMismatchError, InvalidArgumentError, InvalidKError } from '../errors.js';

/** One vector, several as rows, or several packed back to back. */
export type VectorsInput = Float32Array | readonly number[] | readonly (readonly number[])[];
export type IdsInput = BigInt64Array | readonly bigint[] | readonly number[];

export const MAX_K = 16384;
/** Queries in one search call, as Milvus allows: with k, it bounds what a search may allocate. */
export const MAX_NQ = 16384;
/** Values in one packed batch of vectors (2^30 floats: 4 GiB). */
const MAX_VALUES = 2 ** 30;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Vectors as one packed Float32Array whose length is a multiple of dim. */
export function toVectors(input: VectorsInput, dim: number, what: string): Float32Array {
  let packed: Float32Array;
  if (input instanceof Float32Array) {
    packed = input;
  } else if (Array.isArray(input) && input.length > 0 && Array.isArray(input[0])) {
    const rows = input as readonly (readonly number[])[];
    packed = new Float32Array(rows.length * dim);
    rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== dim) {
        throw new DimensionMismatchError(`${what} ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${dim}`);
      }
      packed.set(row, i * dim);
    });
  } else if (Array.isArray(input)) {
    const values = input as readonly unknown[];
    if (values.length > MAX_VALUES) throw new InvalidArgumentError(`${values.length} values are more than ${MAX_VALUES} in one call`);
    packed = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number') throw new InvalidArgumentError(`value ${i} of the ${what}s is ${v === undefined ? 'missing' : `a ${typeof v}`}, not a number`);
      packed[i] = v;
    }
  } else {
    throw new InvalidArgumentError(`${what}s must be a Float32Array, a number[] or a number[][]`);
  }
  if (packed.length % dim !== 0) {
    throw new DimensionMismatchError(`${packed.length} values are not a whole number of ${what}s of dimension ${dim}`);
  }
  return packed;
}

export function toIds(input: IdsInput): BigInt64Array {
  if (input instanceof BigInt64Array) return input;
  if (!Array.isArray(input)) throw new InvalidArgumentError('ids must be a BigInt64Array, a bigint[] or a number[]');
  const ids = new BigInt64Array(input.length);
  input.forEach((id: bigint | number, i: number) => {
    if (typeof id === 'number') {
      if (!Number.isSafeInteger(id)) throw new InvalidArgumentError(`id ${i} (${id}) is not a safe integer`);
      ids[i] = BigInt(id);
    } else if (typeof id === 'bigint') {
      if (id < INT64_MIN || id > INT64_MAX) throw new InvalidArgumentError(`id ${i} (${id}) does not fit in int64`);
      ids[i] = id;
    } else {
      throw new InvalidArgumentError(`id ${i} is a ${typeof id}, not a number or bigint`);
    }
  });
  return ids;
}

/** Queries packed as vectors: at least one and at most MAX_NQ. */
export function toQueries(input: VectorsInput, dim: number): Float32Array {
  const packed = toVectors(input, dim, 'query');
  const nq = packed.length / dim;
  if (nq < 1 || nq > MAX_NQ) throw new InvalidArgumentError(`a search takes 1 to ${MAX_NQ} queries, got ${nq}`);
  return packed;
}

/** The filter bitset option, when given. */
export function toExclude(exclude: unknown): Uint8Array | undefined {
  if (exclude !== undefined && !(exclude instanceof Uint8Array)) throw new InvalidArgumentError('exclude must be a Uint8Array bitset');
  return exclude;
}

export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new InvalidKError(`k must be an integer from 1 to ${MAX_K}, got ${String(k)}`);
  }
  return k;
}

/** `value` when it is an integer from 1 to max; otherwise an InvalidArgumentError naming it. */
export function positiveInteger(value: unknown, name: string, max = 65536): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}, got ${String(value)}`);
  }
  return value;
}

export function checkDim(dim: unknown): number {
  return positiveInteger(dim, 'dim');
}
