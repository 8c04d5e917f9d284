// Cell parsers: what each accepts, and the message for what it refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CellResult,
  excelSerialToIsoDate,
  foldText,
  parseDate,
  parsePostcode,
  parseTrn,
  parseUrn,
  sameText,
} from '../../src/uploads/cells/cells.ts';
import { type CellType, parseTypedCell, parseUpn } from '../../src/uploads/cells/types.ts';

const NOT_A_DATE = (value: string) => `"${value}" is not a date. Write it as day/month/year, like 27/3/2025`;
const NOT_REAL = (value: string) => `"${value}" is not a real date. Check the day and month`;

describe('dates', () => {
  it('accepts dd/mm/yyyy, d/m/yyyy and yyyy-mm-dd, spaces around ignored', () => {
    const accepted: [string, string][] = [
      ['27/03/2025', '2025-03-27'],
      ['7/3/2025', '2025-03-07'],
      ['07/3/2025', '2025-03-07'],
      ['2025-03-27', '2025-03-27'],
      ['  27/3/2025 ', '2025-03-27'],
      ['29/02/2024', '2024-02-29'],
      ['2000-02-29', '2000-02-29'],
      ['31/12/9999', '9999-12-31'],
    ];
    for (const [text, iso] of accepted) assert.deepEqual(parseDate(text), { ok: true, value: iso }, text);
  });

  it('refuses what is not a date, saying how to write one', () => {
    for (const text of [
      '27-03-2025',
      '27/3/25',
      '27.03.2025',
      '2025/03/27',
      '2025-3-27',
      'March 27',
      '27th March 2025',
      '',
    ]) {
      assert.deepEqual(parseDate(text), { ok: false, message: NOT_A_DATE(text.trim()) }, text);
    }
    assert.deepEqual(parseDate(' next week '), { ok: false, message: NOT_A_DATE('next week') });
  });

  it('refuses a date that does not exist, saying to check the day and month', () => {
    for (const text of [
      '31/02/2025',
      '29/02/2025',
      '2025-02-30',
      '0/1/2025',
      '12/13/2025',
      '2025-00-10',
      '32/1/2025',
    ]) {
      assert.deepEqual(parseDate(text), { ok: false, message: NOT_REAL(text) }, text);
    }
  });

  it('accepts an Excel serial date of 5 or more digits, in the 1900 date system', () => {
    const serials: [string, string][] = [
      ['10000', '1927-05-18'],
      ['25569', '1970-01-01'],
      ['45000', '2023-03-15'],
      ['45658', '2025-01-01'],
      ['45747', '2025-03-31'],
      ['46346', '2026-11-20'],
      ['2958465', '9999-12-31'],
      [' 045747 ', '2025-03-31'],
    ];
    for (const [text, iso] of serials) assert.deepEqual(parseDate(text), { ok: true, value: iso }, text);
  });

  it('refuses short numbers (a typed year is not a date) and serials outside Excel’s dates', () => {
    for (const text of ['0', '60', '2025', '9999', '2958466', '12345678', '45000.5', '-45000', '45 000']) {
      assert.deepEqual(parseDate(text), { ok: false, message: NOT_A_DATE(text) }, text);
    }
  });

  it('converts serial numbers, whole ones only', () => {
    assert.equal(excelSerialToIsoDate(1), '1900-01-01');
    assert.equal(excelSerialToIsoDate(59), '1900-02-28');
    assert.equal(excelSerialToIsoDate(61), '1900-03-01'); // after Excel's fictitious 29 February 1900
    assert.equal(excelSerialToIsoDate(45000), '2023-03-15');
    assert.equal(excelSerialToIsoDate(60), undefined);
    assert.equal(excelSerialToIsoDate(0), undefined);
    assert.equal(excelSerialToIsoDate(45000.25), undefined);
    assert.equal(excelSerialToIsoDate(2_958_466), undefined);
    assert.equal(excelSerialToIsoDate(Number.NaN), undefined);
  });
});

describe('TRN', () => {
  it('accepts 7 digits, keeping leading zeros and ignoring spaces', () => {
    assert.deepEqual(parseTrn('1234567'), { ok: true, value: '1234567' });
    assert.deepEqual(parseTrn('0123456'), { ok: true, value: '0123456' });
    assert.deepEqual(parseTrn(' 12 34 567 '), { ok: true, value: '1234567' });
  });

  it('refuses anything else, naming the value and what a TRN is', () => {
    for (const text of ['123456', '12345678', '12AB', 'TRN1234567', '123-4567', '']) {
      assert.deepEqual(parseTrn(text), {
        ok: false,
        message: `"${text}" is not a TRN. A TRN is 7 digits, like 1234567`,
      });
    }
    assert.deepEqual(parseTrn(' 12AB '), {
      ok: false,
      message: '"12AB" is not a TRN. A TRN is 7 digits, like 1234567',
    });
  });
});

describe('comparing text as a person would', () => {
  it('ignores accents', () => {
    assert.ok(sameText('Siân', 'Sian'));
    assert.ok(sameText('Zoë', 'Zoe'));
    assert.ok(sameText('Chloé', 'CHLOE'));
    // The same accent typed as one character or as a letter and a combining mark.
    assert.ok(sameText('Sia\u0302n', 'Si\u00e2n'));
  });

  it('ignores apostrophe styles', () => {
    for (const name of ['O’Brien', 'O‘Brien', 'O`Brien', 'O´Brien', 'OʼBrien', 'O′Brien']) {
      assert.ok(sameText(name, "O'Brien"), name);
    }
    assert.ok(sameText('D’Souza', "d'souza"));
  });

  it('ignores case, spacing and hyphen styles', () => {
    assert.ok(sameText('  Mary   Ann ', 'mary ann'));
    assert.ok(sameText('Mary\u00a0Ann', 'Mary Ann'));
    assert.ok(sameText('Mary\tAnn', 'MARY ANN'));
    assert.ok(sameText('Smith–Jones', 'Smith-Jones'));
    assert.ok(sameText('Smith‐Jones', 'smith-jones'));
  });

  it('still tells different names apart', () => {
    assert.ok(!sameText('Sian', 'Sean'));
    assert.ok(!sameText("O'Brien", 'OBrien'));
    assert.ok(!sameText('MaryAnn', 'Mary Ann'));
    assert.ok(!sameText('Smith-Jones', 'Smith Jones'));
  });

  it('folds to one plain form', () => {
    assert.equal(foldText('  Zoë  O’Brien-Smith '), "zoe o'brien-smith");
    assert.equal(foldText('ÉLODIE'), 'elodie');
  });
});

describe('postcodes', () => {
  it('accepts every UK postcode shape in any case and spacing, written back upper case with one space', () => {
    const accepted: [string, string][] = [
      ['SW1A 1AA', 'SW1A 1AA'],
      ['sw1a1aa', 'SW1A 1AA'],
      ['  ls1   4ab ', 'LS1 4AB'],
      ['M1 1AE', 'M1 1AE'],
      ['B33 8TH', 'B33 8TH'],
      ['CR2 6XH', 'CR2 6XH'],
      ['DN55 1PT', 'DN55 1PT'],
      ['W1A 0AX', 'W1A 0AX'],
      ['ec1a 1bb', 'EC1A 1BB'],
    ];
    for (const [text, value] of accepted) assert.deepEqual(parsePostcode(text), { ok: true, value }, text);
  });

  it('refuses a part postcode or anything else, saying how to write one', () => {
    for (const text of ['LS1', '1AA', 'SW1A 1A', 'SW1A-1AA', 'ABC1 1AA', 'LS1 4AB X', '12345', '']) {
      assert.deepEqual(
        parsePostcode(text),
        { ok: false, message: `"${text.trim()}" is not a full UK postcode. Write it like SW1A 1AA` },
        text,
      );
    }
  });
});

describe('URNs', () => {
  it('accepts 6 digits, spaces ignored, leading zeros kept', () => {
    assert.deepEqual(parseUrn(' 100 002 '), { ok: true, value: '100002' });
    assert.deepEqual(parseUrn('012345'), { ok: true, value: '012345' });
  });

  it('refuses anything else, saying what a URN is', () => {
    for (const text of ['10000', '1000021', 'URN100002', '']) {
      assert.deepEqual(parseUrn(text), {
        ok: false,
        message: `"${text}" is not a URN. A URN is 6 digits, like 100001`,
      });
    }
  });
});

/** The message of a cell that did not parse. */
function messageOf(result: CellResult<unknown>): string {
  assert.equal(result.ok, false, 'the cell does not parse');
  return result.ok ? '' : result.message;
}

describe('typed cells', () => {
  it('checks a UPN’s check letter by the rule, temporary UPNs included', () => {
    assert.deepEqual(parseUpn('B801200005001'), { ok: true, value: 'B801200005001' });
    assert.deepEqual(parseUpn(' b8012 0000 5001 '), { ok: true, value: 'B801200005001' });
    assert.deepEqual(parseUpn('M80120000500A'), { ok: true, value: 'M80120000500A' });
    assert.match(messageOf(parseUpn('A801200005001')), /check letter does not match/);
    assert.match(messageOf(parseUpn('B80120000500')), /is not a UPN. A UPN is 13 characters/);
    assert.match(messageOf(parseUpn('B80120000500I')), /its last character cannot be I/);
  });

  it('parses each type, with a message that names the value and what would do', () => {
    const yearGroup: CellType = {
      type: 'enum',
      values: [
        { value: 'Reception', also: ['R'] },
        { value: 'Year 1', also: ['Y1'] },
      ],
    };
    assert.deepEqual(parseTypedCell(yearGroup, ' y1 '), { ok: true, value: 'Year 1' });
    assert.match(
      messageOf(parseTypedCell(yearGroup, 'Y7')),
      /"Y7" is not one of the choices. Write Reception or Year 1/,
    );
    assert.deepEqual(parseTypedCell({ type: 'decimal', places: 2 }, '1,234.5'), { ok: true, value: 1234.5 });
    assert.match(messageOf(parseTypedCell({ type: 'decimal', places: 2 }, '1.234')), /at most 2 decimal places/);
    assert.match(messageOf(parseTypedCell({ type: 'decimal', places: 0 }, '1.5')), /not a whole number/);
    assert.match(messageOf(parseTypedCell({ type: 'text', max: 5 }, 'abcdef')), /6 characters long. Shorten it to 5/);
    assert.deepEqual(parseTypedCell({ type: 'ukprn' }, '10000001'), { ok: true, value: '10000001' });
    assert.match(messageOf(parseTypedCell({ type: 'ukprn' }, '20000001')), /not a UKPRN/);
    assert.match(messageOf(parseTypedCell({ type: 'email' }, 'not-an-email')), /not an email address/);
    assert.deepEqual(parseTypedCell({ type: 'date' }, '27/3/2025'), { ok: true, value: '2025-03-27' });
    assert.deepEqual(parseTypedCell({ type: 'urn' }, '100001'), { ok: true, value: '100001' });
  });
});
