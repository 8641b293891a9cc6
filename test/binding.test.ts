// The addon's seam: what it exports, each class's methods and statics, equal to the lists in
// src/native/binding.ts (which the compiler keeps equal to the TypeScript interfaces).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BINDING_SHAPE } from '../src/native/binding.js';
import { loadNative } from '../src/native/load.js';

const addon = loadNative() as unknown as Record<string, unknown>;

test('the addon exports exactly what NativeBinding declares', () => {
  assert.deepEqual(Object.keys(addon).sort(), BINDING_SHAPE.exports);
});

test("each class's methods are exactly those of its interface", () => {
  for (const [name, methods] of Object.entries(BINDING_SHAPE.classes)) {
    const prototype = (addon[name] as { prototype: object }).prototype;
    const found = Object.getOwnPropertyNames(prototype)
      .filter((key) => key !== 'constructor' && typeof Object.getOwnPropertyDescriptor(prototype, key)?.value === 'function')
      .sort();
    assert.deepEqual(found, methods, name);
  }
});

test('the static methods are there', () => {
  for (const [name, statics] of Object.entries(BINDING_SHAPE.statics)) {
    for (const method of statics) assert.equal(typeof (addon[name] as Record<string, unknown>)[method], 'function', `${name}.${method}`);
  }
});
