// The part of the `rocksdb` npm package (abstract-leveldown callbacks) that bench/pubsub uses.
declare module 'rocksdb' {
  type Callback = (error: Error | undefined) => void;
  interface Iterator {
    next(callback: (error: Error | undefined, key?: unknown, value?: unknown) => void): void;
    end(callback: Callback): void;
  }
  interface RocksDB {
    open(options: { createIfMissing?: boolean; writeBufferSize?: number }, callback: Callback): void;
    batch(operations: { type: 'put'; key: Buffer; value: Buffer }[], options: { sync?: boolean }, callback: Callback): void;
    iterator(options: { gte?: Buffer; lt?: Buffer; keyAsBuffer?: boolean; valueAsBuffer?: boolean }): Iterator;
    close(callback: Callback): void;
  }
  export default function rocksdb(location: string): RocksDB;
}
