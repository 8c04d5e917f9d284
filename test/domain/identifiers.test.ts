import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normaliseEmail,
  normalisePostcode,
  normaliseProviderCode,
  normaliseUkprn,
  normaliseUrn,
} from '../../src/domain/identifiers.ts';

describe('identifiers', () => {
  it('keeps a URN’s leading zeros and refuses anything but 6 digits', () => {
    assert.equal(normaliseUrn(' 012345 '), '012345');
    assert.equal(normaliseUrn('12345'), undefined);
    assert.equal(normaliseUrn('1234567'), undefined);
    assert.equal(normaliseUrn('12345A'), undefined);
  });

  it('accepts a UKPRN of 8 digits starting with 1', () => {
    assert.equal(normaliseUkprn('10000001'), '10000001');
    assert.equal(normaliseUkprn('1000 0001'), '10000001');
    assert.equal(normaliseUkprn('20000001'), undefined);
    assert.equal(normaliseUkprn('1000001'), undefined);
  });

  it('upper-cases a 3-character provider code', () => {
    assert.equal(normaliseProviderCode('1ds'), '1DS');
    assert.equal(normaliseProviderCode('1D'), undefined);
    assert.equal(normaliseProviderCode('1D-'), undefined);
  });

  it('normalises UK postcodes to upper case with one space', () => {
    assert.equal(normalisePostcode('sw1a1aa'), 'SW1A 1AA');
    assert.equal(normalisePostcode(' LS1  4AB '), 'LS1 4AB');
    assert.equal(normalisePostcode('M1 1AE'), 'M1 1AE');
    assert.equal(normalisePostcode('12345'), undefined);
  });

  it('accepts plain email addresses and refuses ones without a domain', () => {
    assert.equal(normaliseEmail(' name@example.com '), 'name@example.com');
    assert.equal(normaliseEmail('name@example'), undefined);
    assert.equal(normaliseEmail('name example.com'), undefined);
  });
});
