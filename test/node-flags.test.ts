// The service's V8 settings are written once (src/node-flags.ts); package.json's scripts that run
// the service, or measure it, must start Node with exactly those, or the figures measure
// something other than what runs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { NODE_FLAGS } from '../src/node-flags.ts';

it('npm start, the benchmarks of uploads and pages, and the fuzzer run Node with the service’s V8 settings', () => {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  for (const name of ['start', 'bench:upload', 'bench:pages', 'fuzz:uploads']) {
    assert.match(scripts[name], new RegExp(`^node ${NODE_FLAGS.join(' ')} \\S+\\.ts$`), name);
  }
});
