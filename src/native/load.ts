/**
 * Finds and loads the compiled addon. In order: the file named by QUIVERDB_NATIVE_PATH
 * (and only that, when it is set), then prebuilds/<platform>-<arch>/quiverdb.node shipped
 * in the package, then build/Release/quiverdb.node from a local build. No compiler and no
 * network are ever needed to load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NativeLoadError } from '../errors.js';
import type { NativeBinding } from './binding.js';

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

export interface Place {
  platform: string;
  arch: string;
  /** The package's folder. */
  root: string;
}

/** Where the addon may be, in the order they are tried (`place`: this process's, unless a test says otherwise). */
export function nativeCandidates(env: NodeJS.ProcessEnv = process.env, place: Partial<Place> = {}): string[] {
  const override = env.QUIVERDB_NATIVE_PATH;
  if (override) return [resolve(override)];
  const { platform = process.platform, arch = process.arch, root = packageRoot() } = place;
  return [join(root, 'prebuilds', `${platform}-${arch}`, 'quiverdb.node'), join(root, 'build', 'Release', 'quiverdb.node')];
}

// Electron cannot load a .node file from inside an asar archive; packagers unpack it next
// to the archive, so look there.
function unpacked(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

let binding: NativeBinding | undefined;

export function loadNative(): NativeBinding {
  binding ??= loadAddon(nativeCandidates().map(unpacked));
  return binding;
}

/** The first of `candidates` that exists, loaded; a NativeLoadError names it when it fails, or lists every path when none exists. */
export function loadAddon(candidates: string[], platform = `${process.platform}-${process.arch}`): NativeBinding {
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
      return module.exports as NativeBinding;
    } catch (error) {
      throw new NativeLoadError(`cannot load the QuiverDB addon at ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  throw new NativeLoadError(
    `no QuiverDB addon for ${platform}; tried: ${tried.join(', ')}. ` +
      'Set QUIVERDB_NATIVE_PATH to a quiverdb.node, or build one with `npm run compile:native` in a checkout.',
  );
}
