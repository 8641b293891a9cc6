// One of the threads bench/ann uses to measure hnswlib-node on two threads: hnswlib-node
// searches on the calling thread, so each worker loads its own copy of the saved index.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const { HierarchicalNSW } = createRequire(workerData.packageJson)('hnswlib-node');
const index = new HierarchicalNSW('l2', workerData.dim);
index.readIndexSync(workerData.path);
parentPort.on('message', ({ ef, queries, k }) => {
  index.setEf(ef);
  const dim = workerData.dim;
  for (let q = 0; q < queries.length / dim; q++) index.searchKnn(Array.from(queries.subarray(q * dim, (q + 1) * dim)), k);
  parentPort.postMessage('done');
});
parentPort.postMessage('ready');
