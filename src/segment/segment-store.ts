/**
 * The SegmentStore: where segment files live. One of the three seams a cluster will swap
 * (S3 or the NATS object store later); today a local folder. Files are written once
 * (temporary name, fsync, rename) and every read checks the CRC-32C recorded at write time.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { native } from '../errors.js';
import type { FileInfo } from '../meta/catalog.js';
import { loadNative } from '../native/load.js';

export interface SegmentStore {
  /** Writes a file of these chunks at a relative path; resolves once durable. */
  write(path: string, chunks: Uint8Array[]): Promise<FileInfo>;
  read(file: FileInfo): Promise<Uint8Array>;
  /** Removes a folder of files (a segment's, a collection's). */
  remove(path: string): Promise<void>;
  /** The folders directly under a path (for cleaning up orphans). */
  list(path: string): Promise<string[]>;
}

export class LocalSegmentStore implements SegmentStore {
  constructor(readonly root: string) {}

  async write(path: string, chunks: Uint8Array[]): Promise<FileInfo> {
    const full = join(this.root, path);
    await mkdir(dirname(full), { recursive: true });
    const crc = await native(() => loadNative().writeFileDurably(full, chunks));
    return { name: path, crc, bytes: chunks.reduce((sum, c) => sum + c.byteLength, 0) };
  }

  async read(file: FileInfo): Promise<Uint8Array> {
    return native(() => loadNative().readFileChecked(join(this.root, file.name), file.crc));
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
