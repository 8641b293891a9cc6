#!/usr/bin/env node
/**
 * The `quiverdb` command: `serve` runs the standalone server; `import` and `stats` work on a
 * running server (or a folder opened in this process). Every command takes --help.
 */
import { IMPORT_HELP, importRows } from './import.js';
import { serve, serveHelp } from './serve.js';
import { STATS_HELP, stats } from './stats.js';

const HELP = `quiverdb: a Milvus-style vector database for Node.js

Usage:
  quiverdb serve [--config FILE]              run the standalone server (Milvus RESTful API v2)
  quiverdb import <collection> <file> [...]   insert the rows of a .fvecs, JSON-lines or Parquet file
  quiverdb stats [collection] [...]           rows, segments, indexes and lag of each collection
  quiverdb help [command]                     this text, or a command's

Run "quiverdb <command> --help" for a command's options.`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; help: () => string }> = {
  serve: { run: serve, help: serveHelp },
  import: { run: importRows, help: () => IMPORT_HELP },
  stats: { run: stats, help: () => STATS_HELP },
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const known = command === undefined ? undefined : COMMANDS[command];
  if (known) return known.run(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(rest[0] !== undefined && COMMANDS[rest[0]] ? COMMANDS[rest[0]].help() : HELP);
    return;
  }
  console.error(`quiverdb: unknown command ${JSON.stringify(command)}\n\n${HELP}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: Error & { code?: string }) => {
  console.error(`quiverdb: ${error.message}${error.code ? ` (${error.code})` : ''}`);
  process.exitCode = 1;
});
