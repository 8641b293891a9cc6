import { randomFillSync } from 'node:crypto';
import { RocksMq } from '../src/index.js';
const b = await RocksMq.open({ path: '/tmp/pb/probe' + Date.now(), retentionTimeInMinutes: -1, retentionSizeInMB: -1 });
const block = randomFillSync(new Uint8Array(6 << 20));
const chunk = Array.from({ length: 12 }, () => block.subarray(0, 5 << 20));
for (let op = 0; op < 3; op++) {
  await b.createTopic('t' + op);
  const c = await b.consumer('t' + op, 'g');
  let t = performance.now();
  for (let i = 0; i < 9; i++) await b.producer('t' + op).sendBatch(chunk);
  const pub = performance.now() - t; t = performance.now();
  let got = 0; while (got < 108) got += (await c.receive({ max: 1000 })).length;
  console.log('publish', pub.toFixed(0), 'receive', (performance.now() - t).toFixed(0));
}
await b.close();
