/**
 * `quiverdb serve`'s configuration: a milvus.yaml-shaped file (nested sections, Milvus's key
 * names), then environment variables over it, named as Milvus names them: the key in capitals
 * with dots as underscores (`MQ_TYPE=natsmq`, `PROXY_PORT=19531`). Only declared keys are read
 * from the environment; readConfig refuses unknown keys and bad values, naming the key.
 */
import { readFile } from 'node:fs/promises';

import { parse } from 'yaml';

import { InvalidArgumentError } from '../errors.js';
import { describeKeys, flatten } from './config.js';

/** The environment variable that sets a key: `dataCoord.segment.maxRows` → DATACOORD_SEGMENT_MAXROWS. */
export function envName(key: string): string {
  return key.replace(/\./g, '_').toUpperCase();
}

/** An environment value as YAML would read it: true/false, a number, else the text. */
function envValue(text: string): unknown {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  return text;
}

/** The file's keys (if a path is given), with the environment's over them; flat dotted keys out. */
export async function configFromFile(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  let fromFile: unknown = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`cannot read the configuration file ${path}: ${(error as Error).message}`);
    }
    try {
      fromFile = parse(text) ?? {};
    } catch (error) {
      throw new InvalidArgumentError(`${path} is not YAML: ${(error as Error).message}`);
    }
    if (typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new InvalidArgumentError(`${path} must hold sections of keys, as milvus.yaml does`);
  }
  const fromEnv: Record<string, unknown> = {};
  for (const { key } of describeKeys()) {
    const value = env[envName(key)];
    if (value !== undefined) fromEnv[key] = envValue(value);
  }
  return { ...flatten(fromFile as Record<string, unknown>), ...fromEnv };
}
