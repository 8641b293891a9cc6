// natsmq: the conformance suite against a real nats-server (started by the broker), plus
// what is its own: server faults, a full store and an external server.
import { join } from 'node:path';

import { NatsMq } from '../src/index.js';
import { conformance } from './mq-conformance.js';

const serverIn = (dir: string) => ({ port: -1, storeDir: join(dir, 'store'), monitor: { logFile: join(dir, 'nats.log') } });

conformance('natsmq', (dir) => NatsMq.open({ server: serverIn(dir), retention: { maxAge: -1 } }));
