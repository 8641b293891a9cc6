/**
 * The SegmentStore: where segment files live. One of the three seams a cluster will swap
 * (S3 or the NATS object store later); today a local folder. Files are written once
 * (temporary name, fsync, rename) and every read checks the CRC-32C recorded at write time.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { InvalidFileError, IoError } from '../errors.js';
import type { FileInfo } from '../meta/catalog.js';
import { loadNative } from '../native/load.js';

export interface SegmentStore {
  /** Writes a file of these chunks at a relative path; resolves once durable. */
  write(path: string, chunks: Uint8Array[]): Promise<FileInfo>;
  read(file: FileInfo): Promise<Uint8Array>;
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
 * CRC-32C of bytes, continuing crc. The hardware CRC is fast, but the first pass over memory
 * a file was just read into can run at a twentieth of its speed (seen here: 176 ms for
 * 123 MB, then 10 ms): in steps, a large file never stalls the JavaScript thread for long.
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
      await rename(`${full}.tmp`, full);
      const folder = await open(dirname(full), 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    } catch (error) {
      await rm(`${full}.tmp`, { force: true }).catch(() => {});
      throw new IoError(`cannot write ${full}: ${(error as Error).message}`);
    }
    return { name: path, crc, bytes };
  }

  /** The whole file, checked against the CRC-32C recorded when it was written. */
  async read(file: FileInfo): Promise<Uint8Array> {
    const full = join(this.root, file.name);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(full);
    } catch (error) {
      throw new IoError(`cannot read ${full}: ${(error as Error).message}`);
    }
    if (bytes.byteLength !== file.bytes || (await crcInSteps(bytes, 0)) !== file.crc) {
      throw new InvalidFileError(`${full} is damaged: its length or CRC-32C is not what was recorded when it was written`);
    }
    return bytes;
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
