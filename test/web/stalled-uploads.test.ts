// Uploads that promise more than they send, over a real socket: the service closes a stalled one
// after its idle timeout, and counts each person's, token's and address's uploads in progress, so
// no client can hold many at once.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { MAX_UPLOADS_IN_FLIGHT } from '../../src/web/uploads-in-flight.ts';
import { actorFor } from '../support/actors.ts';
import { startTestApp, type TestContext } from '../support/app.ts';

// Long enough that a loaded machine answers the ordinary requests below well within it, and that
// the fourth upload below is tried (for up to 15 s) while the three stalled ones are still open.
const IDLE_MS = 20_000;

describe('stalled uploads', () => {
  let t: TestContext;
  let port: number;
  let token: string;
  const log: { level: number; msg: string }[] = [];

  before(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk) => {
      for (const line of String(chunk).trim().split('\n')) log.push(JSON.parse(line));
    });
    t = await startTestApp({ logStream: stream, httpTimeouts: { idleMs: IDLE_MS } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
    const admin = await actorFor(t.database.db, 'provider@example.com', '10000001');
    token = (await createApiToken(t.database.db, admin, admin.organisation.id, 'Stalled uploads')).token;
  });
  after(() => t.close());

  /** Starts an API upload that promises 50 MB, sends 1 KB of it, then says nothing more. */
  function stalledUpload(): Promise<{
    socket: Socket;
    answer: Promise<string>;
    closed: Promise<number>;
    answeredSoFar: () => string;
  }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          [
            'POST /api/v1/uploads HTTP/1.1',
            'Host: localhost',
            `Authorization: Bearer ${token}`,
            'Content-Type: multipart/form-data; boundary=B',
            `Content-Length: ${50 * 1024 * 1024}`,
            '',
            `--B\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n${'x'.repeat(1024)}`,
          ].join('\r\n'),
        );
        let answer = '';
        socket.on('data', (data) => {
          answer += String(data);
        });
        resolve({
          socket,
          answeredSoFar: () => answer,
          answer: new Promise((done) => socket.on('close', () => done(answer))),
          closed: new Promise((done) => socket.on('close', () => done(Date.now() - started))),
        });
      });
    });
  }

  it('closes an upload whose body stops arriving, and logs no server error', { timeout: 60_000 }, async () => {
    const { closed, answer } = await stalledUpload();
    const after = await closed;
    assert.ok(after >= IDLE_MS - 50, `closed after ${after} ms, not before the idle timeout`);
    assert.doesNotMatch(await answer, /HTTP\/1.1 5\d\d/);
    assert.deepEqual(
      log.filter((entry) => entry.level >= 50),
      [],
      'nothing logged as a server error',
    );
  });

  it('refuses a token a fourth upload at once, and takes one again when one has ended', {
    timeout: 60_000,
  }, async () => {
    const stalled = await Promise.all(Array.from({ length: MAX_UPLOADS_IN_FLIGHT.each }, stalledUpload));
    const form = new FormData();
    form.append('kind', 'qts-recommendations');
    form.append('file', new Blob(['a,b\r\n1,2\r\n'], { type: 'text/csv' }), 'a.csv');
    const post = () =>
      fetch(`http://127.0.0.1:${port}/api/v1/uploads`, {
        method: 'POST',
        // A new connection each time: a kept-alive one may be closing for its idleness just then.
        headers: { authorization: `Bearer ${token}`, connection: 'close' },
        body: form,
      });
    // The three stalled uploads are counted once the server has read their headers and token: a
    // moment after their sockets open. A fourth sent before then is taken (and refused for its
    // content), and the stalled one counted after it is the one refused: open another in its place.
    let refused = await post();
    // Slowly, for a loaded machine, and well within the token's 100 requests a minute.
    for (let i = 0; refused.status !== 429 && i < 30; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [n, upload] of stalled.entries()) {
        if (/^HTTP\/1.1 429/.test(upload.answeredSoFar())) stalled[n] = await stalledUpload();
      }
      refused = await post();
    }
    assert.equal(refused.status, 429);
    assert.match(
      ((await refused.json()) as { errors: { message: string }[] }).errors[0].message,
      /already have 3 uploads in progress/,
    );

    for (const { socket } of stalled) socket.destroy();
    await Promise.all(stalled.map(({ closed }) => closed));
    // The server sees each close a moment later.
    let again = await post();
    for (let i = 0; again.status === 429 && i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await post();
    }
    assert.equal(again.status, 422, 'read and refused for its content, not for the count');
  });
});
