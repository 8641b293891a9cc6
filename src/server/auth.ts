/**
 * Who may call the server. With common.security.authorizationEnabled every request needs
 * `Authorization: Bearer root:<password>` (Milvus's token form), the password set by
 * common.security.defaultRootPassword: there is no default password that would work.
 */
import { timingSafeEqual } from 'node:crypto';

import type { Config } from '../config/config.js';
import { InvalidArgumentError } from '../errors.js';

export type Authorize = (header: string | undefined) => boolean;

export function authorizer(config: Config): Authorize {
  if (config['common.security.authorizationEnabled'] !== true) return () => true;
  const password = config['common.security.defaultRootPassword'];
  if (typeof password !== 'string') {
    throw new InvalidArgumentError('common.security.authorizationEnabled needs common.security.defaultRootPassword: QuiverDB has no default password');
  }
  const expected = Buffer.from(`Bearer root:${password}`);
  return (header) => {
    const given = Buffer.from(header ?? '');
    // Compared in constant time: how long a wrong token takes tells nothing about the right one.
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
