/**
 * Finds and loads the compiled addon. In order: the file named by QUIVERDB_NATIVE_PATH
 * (and only that, when it is set), then prebuilds/<platform>-<arch>/quiverdb.node shipped
 * in the package, then build/Release/quiverdb.node from a local build. No compiler and no
 * network are ever needed to load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NativeLoadError } from './errors.js';
import type { RocksMqOptions } from './mq/rocksmq.js';

export type NativeMetric = 'L2' | 'IP' | 'COSINE';

/** A batch of results as the addon returns them: nq rows of k slots, best first. */
export interface NativeResult {
  nq: number;
  k: number;
  ids: BigInt64Array;
  distances: Float32Array;
  counts: Uint32Array;
}

export interface NativeFlatIndex {
  add(vectors: Float32Array, ids: BigInt64Array): Promise<void>;
  search(queries: Float32Array, k: number, exclude?: Uint8Array): Promise<NativeResult>;
  remove(ids: BigInt64Array): Promise<number>;
  memoryBytes(): number;
  readonly size: number;
  readonly rows: number;
  readonly dim: number;
  readonly metric: NativeMetric;
}

export type NativeIvfType = 'IVF_FLAT' | 'IVF_SQ8' | 'IVF_PQ';

export interface NativeIvfParams {
  dim: number;
  metric: NativeMetric;
  type: NativeIvfType;
  nlist: number;
  m: number;
  nbits: number;
  keepVectors: boolean;
  seed: number;
  iterations: number;
}

export interface NativeIvfIndex {
  train(vectors: Float32Array, onProgress?: (fraction: number) => void): Promise<void>;
  add(vectors: Float32Array, ids: BigInt64Array, onProgress?: (fraction: number) => void): Promise<void>;
  search(queries: Float32Array, k: number, nprobe: number, refine: number, exclude?: Uint8Array): Promise<NativeResult>;
  remove(ids: BigInt64Array): Promise<number>;
  save(path: string): Promise<void>;
  memoryBytes(): number;
  listSizes(): Uint32Array;
  readonly size: number;
  readonly rows: number;
  readonly trained: boolean;
  readonly params: NativeIvfParams;
}

/** rocksmq's options: the same object the TypeScript layer documents. */
export type NativeRocksMqOptions = RocksMqOptions;

export interface NativeRocksMq {
  createTopic(name: string, options?: { retentionTimeInMinutes?: number; retentionSizeInMB?: number }): Promise<void>;
  dropTopic(name: string): Promise<void>;
  listTopics(): Promise<string[]>;
  topicStats(name: string): Promise<{ firstId: bigint; lastId: bigint; messages: number; bytes: number }>;
  send(topic: string, payloads: Uint8Array[]): Promise<BigInt64Array>;
  read(topic: string, from: bigint, max: number): Promise<{ ids: BigInt64Array; times: Float64Array; payloads: Uint8Array[] }>;
  groupPosition(topic: string, group: string): Promise<bigint | null>;
  createGroup(topic: string, group: string, position: bigint): Promise<void>;
  ack(topic: string, group: string, id: bigint): Promise<void>;
  dropGroup(topic: string, group: string): Promise<void>;
  enforceRetention(): Promise<number>;
  onCommit(listener: (topic: string, lastId: bigint) => void): void;
  close(): Promise<void>;
}

export interface NativeBinding {
  RocksMq: { open(options: NativeRocksMqOptions): Promise<NativeRocksMq> };
  FlatIndex: new (dim: number, metric: NativeMetric) => NativeFlatIndex;
  IvfIndex: {
    new (params: Partial<NativeIvfParams> & Pick<NativeIvfParams, 'dim' | 'metric' | 'type'>): NativeIvfIndex;
    load(path: string): Promise<NativeIvfIndex>;
  };
  mergeResults(parts: NativeResult[], k: number, metric: NativeMetric): Promise<NativeResult>;
  setThreads(threads: number): void;
  getThreads(): number;
  simd(): { active: string; supported: string[] };
  versions(): { napi: number; rocksdb: string };
  measureBandwidth(bytes: number, threads: number, rounds: number): Promise<number>;
  measureFmaRate(threads: number, seconds: number): Promise<number>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The folder of QuiverDB's own package.json, found from this module's location. */
export function packageRoot(): string {
  for (let dir = here; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'quiverdb') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (dirname(dir) === dir) throw new NativeLoadError(`cannot find quiverdb's package.json above ${here}`);
  }
}

/** Where the addon may be, in the order they are tried. */
export function nativeCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env.QUIVERDB_NATIVE_PATH;
  if (override) return [resolve(override)];
  const root = packageRoot();
  return [
    join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'quiverdb.node'),
    join(root, 'build', 'Release', 'quiverdb.node'),
  ];
}

// Electron cannot load a .node file from inside an asar archive; packagers unpack it next
// to the archive, so look there.
function unpacked(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

let binding: NativeBinding | undefined;

export function loadNative(): NativeBinding {
  if (binding) return binding;
  const candidates = nativeCandidates().map(unpacked);
  const tried: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      tried.push(`${path} (missing)`);
      continue;
    }
    try {
      // dlopen rather than require: whatever the file is called, only a real addon loads.
      const module = { exports: {} as Partial<NativeBinding> };
      process.dlopen(module, path);
      if (typeof module.exports.FlatIndex !== 'function') throw new Error('it is not a QuiverDB addon');
      binding = module.exports as NativeBinding;
      return binding;
    } catch (error) {
      throw new NativeLoadError(`cannot load the QuiverDB addon at ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  throw new NativeLoadError(
    `no QuiverDB addon for ${process.platform}-${process.arch}; tried: ${tried.join(', ')}. ` +
      'Set QUIVERDB_NATIVE_PATH to a quiverdb.node, or build one with `npm run build:native` in a checkout.',
  );
}
