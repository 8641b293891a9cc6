/**
 * The SegmentStore: where segment files live. One of the three seams a cluster will swap
 * (S3 or the NATS object store later); today a local folder. Files are written once
 * (temporary name, fsync, rename) and every read checks the CRC-32C recorded at write time.
 */
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { IoError, native } from '../errors.js';
import type { FileInfo } from '../meta/catalog.js';
import { loadNative } from '../native/load.js';

/** Rows of a column file to copy: the file as the catalog records it, its layout, and which rows. */
export interface ColumnRowsSource {
  file: FileInfo;
  /** Bytes of values (before padding), then of validity bytes (0: no nulls). */
  bytes: number;
  validBytes: number;
  keep: Uint32Array;
}

export interface SegmentStore {
  /** Writes a file of these chunks at a relative path; resolves once durable. */
  write(path: string, chunks: Uint8Array[]): Promise<FileInfo>;
  /** The whole file, checked against the size and CRC-32C recorded when it was written. */
  read(file: FileInfo): Promise<Uint8Array>;
  /**
   * Writes the kept rows of column files (fixed-width rows of `rowWidth` bytes), source
   * after source, as one durable column file at path; resolves with it and its layout. The
   * bytes are moved by native code: compaction never holds the JavaScript thread with them.
   */
  copyRows(sources: ColumnRowsSource[], rowWidth: number, path: string): Promise<{ file: FileInfo; bytes: number; validBytes: number }>;
  /** Bytes [offset, offset + length) of a file, unchecked (the whole file was checked when its segment loaded). */
  readRange(file: FileInfo, offset: number, length: number): Promise<Uint8Array>;
  /**
   * Where native code reads and writes a file of the store itself (an index file, which
   * carries its own CRC-32C): a path on this machine. A remote store will hand out a cached copy.
   */
  localPath(path: string): Promise<string>;
  /** A file native code wrote at localPath(path), made durable (the file, then its folder, synced); resolves with its size. */
  commitLocal(path: string): Promise<number>;
  /** A file's size, or undefined when it is missing. */
  sizeOf(path: string): Promise<number | undefined>;
  /** Removes a folder of files (a segment's, a collection's). */
  remove(path: string): Promise<void>;
  /** The folders directly under a path (for cleaning up orphans). */
  list(path: string): Promise<string[]>;
}

/** The CRC is taken this many bytes at a time, the event loop turning in between. */
const CRC_STEP = 1 << 20;

/**
 * CRC-32C of bytes to be written, continuing crc. The hardware CRC is fast, but the first pass
 * over memory can run at a twentieth of its speed (seen here: 176 ms for 123 MB, then 10 ms):
 * in steps, a large file never stalls the JavaScript thread for long. (Reads are checked on
 * the I/O pool, in native code.)
 */
async function crcInSteps(bytes: Uint8Array, crc: number): Promise<number> {
  const { crc32c } = loadNative();
  for (let at = 0; at < bytes.byteLength; at += CRC_STEP) {
    if (at > 0) await new Promise((resolve) => setImmediate(resolve));
    crc = crc32c(bytes.subarray(at, at + CRC_STEP), crc);
  }
  return crc;
}

export class LocalSegmentStore implements SegmentStore {
  constructor(readonly root: string) {}

  /**
   * A temporary file, written and synced, renamed into place, then its folder synced: after
   * a crash the file is whole or absent. The bytes go to the disk from where they are (libuv's
   * threads write them), and their CRC-32C is taken in place too (hardware CRC).
   */
  async write(path: string, chunks: Uint8Array[]): Promise<FileInfo> {
    const full = join(this.root, path);
    let crc = 0;
    let bytes = 0;
    for (const chunk of chunks) {
      crc = await crcInSteps(chunk, crc);
      bytes += chunk.byteLength;
    }
    try {
      await mkdir(dirname(full), { recursive: true });
      const file = await open(`${full}.tmp`, 'w');
      try {
        for (const chunk of chunks) await file.write(chunk);
        await file.sync();
      } finally {
        await file.close();
      }
      await this.#rename(`${full}.tmp`, full);
    } catch (error) {
      await rm(`${full}.tmp`, { force: true }).catch(() => {});
      throw new IoError(`cannot write ${full}: ${(error as Error).message}`);
    }
    return { name: path, crc, bytes };
  }

  /** The whole file, read and checked against its CRC-32C on QuiverDB's I/O pool. */
  async read(file: FileInfo): Promise<Uint8Array> {
    return native(() => loadNative().readChecked(join(this.root, file.name), file.bytes, file.crc));
  }

  async copyRows(sources: ColumnRowsSource[], rowWidth: number, path: string): Promise<{ file: FileInfo; bytes: number; validBytes: number }> {
    const full = join(this.root, path);
    await mkdir(dirname(full), { recursive: true });
    const written = await native(() =>
      loadNative().copyColumnRows(
        sources.map((s) => ({
          path: join(this.root, s.file.name),
          bytes: s.file.bytes,
          crc: s.file.crc,
          valueBytes: s.bytes,
          validBytes: s.validBytes,
          keep: s.keep,
        })),
        rowWidth,
        `${full}.tmp`,
      ),
    ).catch(async (error) => {
      await rm(`${full}.tmp`, { force: true }).catch(() => {});
      throw error;
    });
    await this.#rename(`${full}.tmp`, full);
    return { file: { name: path, crc: written.crc, bytes: written.bytes }, bytes: written.valueBytes, validBytes: written.validBytes };
  }

  /** A synced temporary file renamed into place, then its folder synced: after a crash the file is whole or absent. */
  async #rename(from: string, to: string): Promise<void> {
    await rename(from, to);
    const folder = await open(dirname(to), 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  async readRange(file: FileInfo, offset: number, length: number): Promise<Uint8Array> {
    const full = join(this.root, file.name);
    try {
      const handle = await open(full, 'r');
      try {
        const out = new Uint8Array(length);
        const { bytesRead } = await handle.read(out, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${bytesRead} of ${length} bytes at ${offset}`);
        return out;
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw new IoError(`cannot read ${full}: ${(error as Error).message}`);
    }
  }

  async localPath(path: string): Promise<string> {
    const full = join(this.root, path);
    await mkdir(dirname(full), { recursive: true });
    return full;
  }

  async commitLocal(path: string): Promise<number> {
    const full = join(this.root, path);
    try {
      for (const target of [full, dirname(full)]) {
        const handle = await open(target, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      return (await stat(full)).size;
    } catch (error) {
      throw new IoError(`cannot sync ${full}: ${(error as Error).message}`);
    }
  }

  async sizeOf(path: string): Promise<number | undefined> {
    try {
      return (await stat(join(this.root, path))).size;
    } catch {
      return undefined;
    }
  }

  async remove(path: string): Promise<void> {
    await rm(join(this.root, path), { recursive: true, force: true });
  }

  async list(path: string): Promise<string[]> {
    try {
      return (await readdir(join(this.root, path), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  }
}
