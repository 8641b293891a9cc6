// `quiverdb serve` (and the other commands) as a child process, for the tests that need a
// real process: its start line, its exit and what it printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

import { root } from '../helpers.js';

const CLI = join(root, 'src/cli/quiverdb.ts');

export function quiverdb(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the server's URL (and what it printed) once it serves, or rejects with its output when it exits first. */
export function serving(child: ChildProcess): Promise<{ url: string; output: string }> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /serving .*? on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ url, output });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
}

/** The exit code and everything printed, once the process exits. */
export async function exitOf(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code] = await once(child, 'exit');
  return { code, output };
}
