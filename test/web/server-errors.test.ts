import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('when the database fails', () => {
  let t: TestContext;
  const log: string[] = [];
  before(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk) => log.push(...String(chunk).trim().split('\n')));
    t = await startTestApp({ logStream: stream });
  });
  after(() => t.app.close());

  it('shows a 500 page with a reference that is in the log, and /health says the database is unreachable', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    await t.database.close();
    const page = await agent.get('/organisation');
    assert.equal(page.statusCode, 500);
    assert.match(page.body, /Sorry, there is a problem with the service/);
    const reference = /give them this reference: <strong>(\w+)<\/strong>/.exec(page.body)?.[1];
    assert.ok(reference, 'the page shows a reference');
    const entry = log.map((line) => JSON.parse(line)).find((e) => e.reference === reference && e.level >= 50);
    assert.ok(entry, 'the log has an error with the same reference');

    const health = await new Agent(t.app).get('/health');
    assert.equal(health.statusCode, 503);
    assert.equal(health.json().database.status, 'unreachable');
  });
});
