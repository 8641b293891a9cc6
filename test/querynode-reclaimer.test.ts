// The query node's Reclaimer: what is retired is closed once no task that began before it runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Reclaimer } from '../src/roles/querynode/reclaimer.js';

test('closes at once when no task runs, else once every task begun before has ended', () => {
  let sweeps = 0;
  const reclaimer = new Reclaimer(() => sweeps++);
  const closed: string[] = [];
  reclaimer.retire(() => closed.push('idle'));
  assert.deepEqual(closed, ['idle']);

  const first = reclaimer.begin();
  reclaimer.retire(() => closed.push('a'));
  const second = reclaimer.begin(); // began after a was retired: does not hold it
  reclaimer.retire(() => closed.push('b'));
  const third = reclaimer.begin();
  assert.deepEqual(closed, ['idle']);
  assert.equal(reclaimer.pending, 2);
  reclaimer.end(third); // began after both
  assert.deepEqual(closed, ['idle']);
  reclaimer.end(first);
  assert.deepEqual(closed, ['idle', 'a']);
  reclaimer.end(second);
  assert.deepEqual(closed, ['idle', 'a', 'b']);
  assert.equal(reclaimer.pending, 0);
  assert.equal(sweeps, 3);
});

test('tasks of one epoch hold it until the last ends; during() ends on failure too', async () => {
  const reclaimer = new Reclaimer();
  const closed: number[] = [];
  const one = reclaimer.begin();
  const two = reclaimer.begin();
  reclaimer.retire(() => closed.push(1));
  reclaimer.end(one);
  assert.equal(closed.length, 0);
  reclaimer.end(two);
  assert.deepEqual(closed, [1]);

  let release: () => void = () => {};
  const running = reclaimer.during(() => new Promise<void>((resolve) => (release = resolve)));
  const failing = reclaimer.during(async () => {
    throw new Error('read failed');
  });
  reclaimer.retire(() => closed.push(2));
  await assert.rejects(failing, /read failed/);
  assert.deepEqual(closed, [1]); // `running` still holds it
  release();
  await running;
  assert.deepEqual(closed, [1, 2]);
});

test('a close that throws does not keep the next ones open', () => {
  const reclaimer = new Reclaimer();
  const closed: string[] = [];
  const task = reclaimer.begin();
  reclaimer.retire(() => {
    throw new Error('already gone');
  });
  reclaimer.retire(() => closed.push('next'));
  reclaimer.end(task);
  assert.deepEqual(closed, ['next']);
});
