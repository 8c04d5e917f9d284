// The one rule for where sign-in and the organisation switcher send people next: pages of this
// service only, whatever an attacker writes in returnTo.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeReturnTo } from '../../src/web/return-to.ts';

const BASE = 'https://rollbook.example';

describe('safeReturnTo', () => {
  const own: [string, string][] = [
    ['/', '/'],
    ['/trainees', '/trainees'],
    ['/trainees?page=2&sort=name', '/trainees?page=2&sort=name'],
    ['/uploads/abc#summary', '/uploads/abc#summary'],
    // Encoded characters stay encoded: a browser does not decode them to find the host.
    ['/%09/evil.example', '/%09/evil.example'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/%5Cevil.example', '/%5Cevil.example'],
    ['/search?q=%0D%0A', '/search?q=%0D%0A'],
    // Written back percent-encoded, so always a valid Location header.
    ['/schools?q=Ysgol Gymraeg'.replace(' ', '+'), '/schools?q=Ysgol+Gymraeg'],
    ['/é', '/%C3%A9'],
    ['/a/../trainees', '/trainees'],
  ];
  for (const [value, expected] of own) {
    it(`keeps our own page ${JSON.stringify(value)}`, () => assert.equal(safeReturnTo(value, BASE), expected));
  }

  const hostile = [
    '',
    'trainees',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\\/evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r/evil.example',
    '\t//evil.example',
    ' //evil.example',
    '/..//evil.example',
    '/a/../..//evil.example',
    '/.%2e//evil.example',
    'https://evil.example',
    'http://rollbook.example.evil.example/',
    'https:evil.example',
    '//rollbook.example@evil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '/trainees\r\nSet-Cookie: session=stolen',
    '/trainees\u000b',
    '/trainees\f',
    '/\u3000/evil.example',
    '/\u00a0trainees',
    '/\u2028trainees',
    '/\u200btrainees',
    '/\u0085',
    '/\u0000',
    '/\u007f',
    `/${'a'.repeat(5000)}`,
  ];
  for (const value of hostile) {
    it(`sends ${JSON.stringify(value.length > 60 ? `${value.slice(0, 20)}… (${value.length})` : value)} home`, () =>
      assert.equal(safeReturnTo(value, BASE), '/'));
  }

  it('only ever answers a path that stays on the service', () => {
    for (const value of [...own.map(([v]) => v), ...hostile]) {
      const answer = safeReturnTo(value, BASE);
      assert.match(answer, /^\/(?![/\\])[\x21-\x7e]*$|^\/$/);
      assert.equal(new URL(answer, BASE).origin, BASE);
    }
  });

  it('works for a service at any address', () => {
    assert.equal(safeReturnTo('/trainees', 'http://localhost:3000'), '/trainees');
    // Our own host written in full is still our own page, answered as a path.
    assert.equal(safeReturnTo('//localhost:3000/trainees', 'http://localhost:3000'), '/trainees');
    assert.equal(safeReturnTo('//localhost:3000/trainees', BASE), '/');
  });
});
