/**
 * Log topics and how keys map to them. Each collection has `shards_num` DML channels (one
 * topic each); a primary key always goes to the same one, so its inserts and deletes keep
 * their order. The coordination topic carries DDL and flush events to every role.
 */

/** DDL changes and data-node events (segment flushed). */
export const COORD_TOPIC = 'qv-coord';

export function dmlChannel(collectionId: number, shard: number): string {
  return `qv-dml-${collectionId}-${shard}`;
}

/** The collection a DML channel belongs to, or undefined for another topic. */
export function collectionOfChannel(topic: string): number | undefined {
  const match = /^qv-dml-(\d+)-\d+$/.exec(topic);
  return match ? Number(match[1]) : undefined;
}

/** MurmurHash3 (x86, 32-bit) of 8 bytes, as Milvus hashes Int64 keys (little-endian). */
function murmur3Int64(key: bigint): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = 0;
  const words = [Number(BigInt.asUintN(32, key)), Number(BigInt.asUintN(32, key >> 32n))];
  for (let k of words) {
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= 8;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

const encoder = new TextEncoder();

/** CRC-32 (IEEE) of a string's first 100 UTF-8 bytes, as Milvus hashes VarChar keys. */
function crc32String(key: string): number {
  const bytes = encoder.encode(key).subarray(0, 100);
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The hash of a primary-key or partition-key value. */
export function hashKey(key: bigint | string): number {
  return typeof key === 'bigint' ? murmur3Int64(key) & 0x7fffffff : crc32String(key) & 0x7fffffff;
}

/** Which of the collection's channels a primary key goes to. */
export function channelOf(channels: readonly string[], key: bigint | string): string {
  return channels.length === 1 ? channels[0] : channels[hashKey(key) % channels.length];
}
