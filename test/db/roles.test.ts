// The roles are actors: they share only the log, the meta store and the segment store, so
// no file of one role imports a file of another (DESIGN.md; reference/code-layout.md).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

import { root } from '../helpers.js';

const rolesDir = join(root, 'src', 'roles');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('no role imports another role', () => {
  const roles = readdirSync(rolesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(roles.sort(), ['datanode', 'indexnode', 'proxy', 'querynode']);
  const crossings: string[] = [];
  for (const role of roles) {
    for (const file of files(join(rolesDir, role))) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const path = relative(rolesDir, resolve(dirname(file), target));
        const owner = path.split('/')[0];
        if (roles.includes(owner) && owner !== role) crossings.push(`${relative(root, file)} imports ${target}`);
      }
    }
  }
  assert.deepEqual(crossings, []);
});

test('the check sees an import across roles (it is not vacuous)', () => {
  const file = join(rolesDir, 'proxy', 'proxy.ts');
  const imports = [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map(([, t]) => relative(rolesDir, resolve(dirname(file), t)));
  assert.ok(imports.includes('query-service.js'), 'the proxy reaches the query node only through the read seam');
});
