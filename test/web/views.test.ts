import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNumber } from '../../src/web/views.ts';

describe('how pages write numbers', () => {
  it('puts a comma between thousands, from 1,000 up', () => {
    assert.equal(formatNumber(999), '999');
    assert.equal(formatNumber(1000), '1,000');
    assert.equal(formatNumber(1234567), '1,234,567');
    assert.equal(formatNumber('25000'), '25,000');
    assert.equal(formatNumber(0), '0');
  });

  it('writes nothing for nothing, and leaves text that is not a number as it is', () => {
    assert.equal(formatNumber(null), '');
    assert.equal(formatNumber(undefined), '');
    assert.equal(formatNumber('Not needed'), 'Not needed');
  });
});
