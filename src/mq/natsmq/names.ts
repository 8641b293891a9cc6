/**
 * How natsmq names things in JetStream. A topic is one stream, `QV_<topic>`, with one
 * subject, `quiverdb.<topic>`; a group is a durable consumer `G<group>-<generation>`.
 * Stream, consumer and subject names allow fewer characters than topics and groups, so
 * every character outside [A-Za-z0-9] is written as `_` and two hex digits per UTF-8 byte:
 * the mapping is one to one, and listTopics reads topics back from stream names.
 */
import { InvalidTopicError } from '../../errors.js';

const STREAM_PREFIX = 'QV_';
/** Stream and consumer names become folder names under storeDir. */
const MAX_NAME = 240;

export function escapeName(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(c) ? c : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function unescapeName(name: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '_') {
      bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(name.charCodeAt(i));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The same rule as rocksmq's, plus the length its escaped form may have. */
export function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || !/^[A-Za-z0-9_.-]{1,255}$/.test(topic)) {
    throw new InvalidTopicError(`topic names are 1 to 255 letters, digits, '_', '-' or '.', got ${JSON.stringify(topic)}`);
  }
  if (streamName(topic).length > MAX_NAME) {
    throw new InvalidTopicError(`topic "${topic}" is too long for natsmq: each '_', '-' or '.' takes 3 characters of ${MAX_NAME}`);
  }
}

export const streamName = (topic: string) => STREAM_PREFIX + escapeName(topic);
export const subjectOf = (topic: string) => `quiverdb.${escapeName(topic)}`;
export const topicOfStream = (stream: string) => (stream.startsWith(STREAM_PREFIX) ? unescapeName(stream.slice(STREAM_PREFIX.length)) : null);

/** Durable consumer names of a group: one per generation (see consumers.ts). */
export const groupPrefix = (group: string) => `G${escapeName(group)}-`;
