// The fuzzer's requests: hostile files in well-formed uploads, and hostile uploads themselves
// (broken multipart, wrong content types, missing or doubled fields, bad credentials), to the
// upload page (POST /bulk/<kind>, with _csrf and the session cookie) and to the API
// (POST /api/v1/uploads, with kind and a Bearer token). Request i of a seed is always the same
// shape; only the session, CSRF and API tokens, which each run makes afresh, differ.
import { gzipSync } from 'node:zlib';
import { type FileContext, type GeneratedFile, hostileFile, validFile } from './files.ts';
import { Random } from './random.ts';
import { XLSX_TYPE } from './workbook.ts';

export const KINDS = ['qts-recommendations', 'placements', 'hesa-placements'] as const;
export type KindId = (typeof KINDS)[number];
export type Target = 'page' | 'api';

/** What a request needs of a signed-in identity: its CSRF token and its templates. */
export interface IdentityView {
  csrf: string;
  files: Record<KindId, FileContext>;
}

export interface RequestContext {
  identities: IdentityView[];
  /** Ids of uploads the server accepted so far in this run, for `replaces`. */
  acceptedUploads: string[];
}

export interface PlannedRequest {
  index: number;
  /** What was sent, like "page file:zip-bomb/spaces" or "api multipart:no-boundary". */
  generator: string;
  target: Target;
  kind: KindId;
  /** Which identity's session and tokens (0: the SCITT's admin, 1: the university's). */
  identity: number;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The page's session cookie: this identity's, none, another identity's, or one tampered with. */
  cookie: 'session' | 'none' | 'other' | 'tampered';
  /** The API's Authorization header: one of this identity's tokens, none, or something else. */
  authorization: 'token' | 'none' | { header: string };
  /** Send the body chunked, in pieces of about this many bytes. */
  chunkSize?: number;
  /** Close the connection after sending this many bytes of the body. */
  abortAfter?: number;
  /** When the upload is accepted, also read its summary and error report. */
  followUp: boolean;
}

// ---------------------------------------------------------------------------------------------
// File names

const HOSTILE_NAMES: ((r: Random, ext: string) => string)[] = [
  (_, ext) => `trainees\u0000.exe${ext}`,
  (_, ext) => `\u0000${ext}`,
  (_, ext) => `line\r\nbreak${ext}`,
  (_, ext) => `line\nX-Injected: yes\n${ext}`,
  (_, ext) => `../../../../etc/passwd${ext}`,
  (_, ext) => `..\\..\\..\\windows\\win.ini${ext}`,
  (_, ext) => `/etc/${ext}`,
  (_, ext) => `C:\\fakepath\\sheet${ext}`,
  (r, ext) => `${'a'.repeat(r.int(256, 10_000))}${ext}`,
  (r, ext) => `${'é'.repeat(r.int(100, 10_000))}${ext}`,
  () => 'invoice\u202Excsl.exe',
  (_, ext) => `\u202Egnp${ext}`,
  (_, ext) => `zero\u200bwidth\ufeff${ext}`,
  (_, ext) => `👩‍👩‍👧‍👦${ext}`,
  () => 'CON',
  () => '.',
  () => '..',
  () => '',
  () => '   ',
  (_, ext) => `"quoted"${ext}`,
  (_, ext) => `semi;colon=evil${ext}`,
  (_, ext) => `%2e%2e%2fetc%2fpasswd${ext}`,
  (_, ext) => `<script>alert(1)</script>${ext}`,
  (_, ext) => `{{ 7 * 7 }}{% raw %}${ext}`,
  (_, ext) => `=cmd|' /C calc'!A0${ext}`,
  (_, ext) => `tab\there${ext}`,
  (_, ext) => `back\\slash${ext}`,
  (_, ext) => `${ext}${ext}${ext}`,
  (_, ext) => `name${ext}.`,
  (_, ext) => `\ud800lone${ext}`,
  (_, ext) => `\u0001\u001f\u007f${ext}`,
];

function fileName(r: Random, file: GeneratedFile): { name: string; hostile: boolean } {
  const ext = r.chance(0.85)
    ? { csv: '.csv', xlsx: '.xlsx', other: r.pick(['.csv', '.xlsx', '.bin']) }[file.format]
    : r.pick(['.xls', '.txt', '.exe', '', '.CSV', '.xlsx.csv', '.csv.xlsx', '.ods', '.zip', '.']);
  if (r.chance(0.8)) return { name: `${file.generator.replace(/\W+/g, '-')}${ext}`, hostile: false };
  return { name: r.pick(HOSTILE_NAMES)(r, ext), hostile: true };
}

/** As a browser writes a file name into a multipart header: quotes and line breaks percent-encoded. */
function browserEncoded(name: string): string {
  return name.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

// ---------------------------------------------------------------------------------------------
// Multipart bodies

interface Part {
  /** The Content-Disposition header's parameters, or a whole header line of its own. */
  disposition?: string;
  name?: string;
  filename?: string;
  /** The file name's bytes as they are (no encoding), for raw CR, LF, NUL, quotes. */
  rawFilename?: boolean;
  contentType?: string;
  extraHeaders?: string[];
  body: Buffer;
}

interface MultipartOptions {
  newline?: string;
  preamble?: string;
  epilogue?: string;
  closing?: boolean;
}

function multipart(parts: Part[], boundary: string, options: MultipartOptions = {}): Buffer {
  const nl = options.newline ?? '\r\n';
  const chunks: Buffer[] = [];
  if (options.preamble) chunks.push(Buffer.from(`${options.preamble}${nl}`));
  for (const part of parts) {
    const headers: string[] = [];
    if (part.disposition !== undefined) headers.push(part.disposition);
    else {
      let line = `Content-Disposition: form-data; name="${part.name ?? ''}"`;
      if (part.filename !== undefined) {
        line += `; filename="${part.rawFilename ? part.filename : browserEncoded(part.filename)}"`;
      }
      headers.push(line);
    }
    if (part.contentType !== undefined) headers.push(`Content-Type: ${part.contentType}`);
    headers.push(...(part.extraHeaders ?? []));
    chunks.push(Buffer.from(`--${boundary}${nl}${headers.join(nl)}${nl}${nl}`, 'utf8'), part.body, Buffer.from(nl));
  }
  if (options.closing !== false) chunks.push(Buffer.from(`--${boundary}--${nl}`));
  if (options.epilogue) chunks.push(Buffer.from(options.epilogue));
  return Buffer.concat(chunks);
}

function fileContentType(r: Random, file: GeneratedFile): string | undefined {
  if (r.chance(0.8)) return { csv: 'text/csv', xlsx: XLSX_TYPE, other: 'application/octet-stream' }[file.format];
  return r.pick([
    undefined,
    '',
    'image/png',
    'application/x-msdownload',
    'text/csv; charset=utf-16',
    'text/html',
    'application/vnd.ms-excel',
    'multipart/mixed; boundary=x',
    'garbage/\u00ff\u00fe',
    `text/csv; ${'x=y; '.repeat(500)}`,
  ]);
}

const newBoundary = (r: Random) => `----WebKitFormBoundary${r.hex(8)}`;
const uuid = (r: Random) => r.hex(16).replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12})$/, '$1-$2-4$3-a$4-$5');

/** The fields that go before the file: _csrf (page) or kind (API). */
function fields(target: Target, kind: KindId, csrf: string): Part[] {
  return target === 'page' ? [{ name: '_csrf', body: Buffer.from(csrf) }] : [{ name: 'kind', body: Buffer.from(kind) }];
}

// ---------------------------------------------------------------------------------------------
// The plan for request i

interface Shape {
  generator: string;
  headers: Record<string, string>;
  body: Buffer;
  path?: string;
  cookie?: PlannedRequest['cookie'];
  authorization?: PlannedRequest['authorization'];
}

/** A well-formed upload of a hostile (or, now and then, valid) file. */
function wellFormed(
  r: Random,
  target: Target,
  kind: KindId,
  csrf: string,
  file: GeneratedFile,
  extra: Part[] = [],
): Shape {
  const boundary = newBoundary(r);
  const { name, hostile } = fileName(r, file);
  const rawFilename = hostile && r.chance(0.5);
  const body = multipart(
    [
      ...fields(target, kind, csrf),
      ...extra,
      { name: 'file', filename: name, rawFilename, contentType: fileContentType(r, file), body: file.bytes },
    ],
    boundary,
  );
  return {
    generator: `file:${file.generator}${hostile ? ` name:${rawFilename ? 'raw' : 'encoded'}` : ''}`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  };
}

/** An upload whose multipart body or header is broken. */
function brokenMultipart(r: Random, target: Target, kind: KindId, csrf: string, file: GeneratedFile): Shape {
  const boundary = newBoundary(r);
  const fileNameOf = `${kind}.csv`;
  const filePart: Part = { name: 'file', filename: fileNameOf, contentType: 'text/csv', body: file.bytes };
  const standard = [...fields(target, kind, csrf), filePart];
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const variant = r.pick([
    'no-boundary',
    'wrong-boundary',
    'empty-boundary',
    'long-boundary',
    'quoted-boundary',
    'boundary-in-content',
    'truncated',
    'no-closing',
    'bare-lf',
    'mixed-newlines',
    'duplicate-file',
    'file-as-field',
    'missing-file',
    'missing-first-field',
    'duplicate-first-field',
    'huge-field',
    'many-fields',
    'no-disposition',
    'odd-disposition',
    'header-folding',
    'huge-part-headers',
    'base64-part',
    'nested-mixed',
    'preamble-epilogue',
    'charset-param',
    'empty-body',
    'only-closing',
    'file-first',
    'file-in-other-field',
    'empty-file-name',
    'nul-in-headers',
  ]);
  let headers: Record<string, string> = { 'content-type': contentType };
  let body: Buffer;
  switch (variant) {
    case 'no-boundary':
      headers = { 'content-type': 'multipart/form-data' };
      body = multipart(standard, boundary);
      break;
    case 'wrong-boundary':
      headers = { 'content-type': `multipart/form-data; boundary=${newBoundary(r)}` };
      body = multipart(standard, boundary);
      break;
    case 'empty-boundary':
      headers = { 'content-type': 'multipart/form-data; boundary=' };
      body = multipart(standard, '');
      break;
    case 'long-boundary': {
      const long = 'b'.repeat(r.int(71, 5_000));
      headers = { 'content-type': `multipart/form-data; boundary=${long}` };
      body = multipart(standard, long);
      break;
    }
    case 'quoted-boundary': {
      const quoted = `a b:c'd(e)${r.hex(4)}`;
      headers = { 'content-type': `multipart/form-data; boundary="${quoted}"` };
      body = multipart(standard, quoted);
      break;
    }
    case 'boundary-in-content':
      body = multipart(
        [
          ...fields(target, kind, csrf),
          {
            ...filePart,
            body: Buffer.concat([
              file.bytes.subarray(0, file.bytes.length >> 1),
              Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"\r\n\r\n`),
              file.bytes.subarray(file.bytes.length >> 1),
            ]),
          },
        ],
        boundary,
      );
      break;
    case 'truncated': {
      const whole = multipart(standard, boundary);
      body = whole.subarray(0, r.int(0, whole.length - 1));
      break;
    }
    case 'no-closing':
      body = multipart(standard, boundary, { closing: false });
      break;
    case 'bare-lf':
      body = multipart(standard, boundary, { newline: '\n' });
      break;
    case 'mixed-newlines':
      body = Buffer.from(
        multipart(standard, boundary)
          .toString('latin1')
          .replace(/\r\n/g, () => r.pick(['\r\n', '\n', '\r'])),
        'latin1',
      );
      break;
    case 'duplicate-file':
      body = multipart(
        [
          ...standard,
          { ...filePart, filename: 'second.csv' },
          ...(r.chance(0.5) ? [{ ...filePart, filename: 'third.csv' }] : []),
        ],
        boundary,
      );
      break;
    case 'file-as-field':
      body = multipart(
        [...fields(target, kind, csrf), { name: 'file', body: file.bytes.subarray(0, 256 * 1024) }],
        boundary,
      );
      break;
    case 'missing-file':
      body = multipart(fields(target, kind, csrf), boundary);
      break;
    case 'missing-first-field':
      body = multipart([filePart], boundary);
      break;
    case 'duplicate-first-field':
      body = multipart(
        [
          ...fields(target, kind, csrf),
          ...(target === 'page'
            ? [{ name: '_csrf', body: Buffer.from(r.hex(16)) }]
            : [{ name: 'kind', body: Buffer.from(r.pick(KINDS)) }]),
          filePart,
        ],
        boundary,
      );
      break;
    case 'huge-field': {
      const value = Buffer.from('x'.repeat(r.size(1024, 2 * 1024 * 1024)));
      body = multipart([{ name: target === 'page' ? '_csrf' : 'kind', body: value }, ...standard], boundary);
      break;
    }
    case 'many-fields': {
      const many = Array.from(
        { length: r.int(11, 2_000) },
        (_, i): Part => ({ name: `f${i}`, body: Buffer.from(r.hex(4)) }),
      );
      body = multipart([...fields(target, kind, csrf), ...many, filePart], boundary);
      break;
    }
    case 'no-disposition':
      body = multipart([...fields(target, kind, csrf), { ...filePart, disposition: 'X-Nothing: here' }], boundary);
      break;
    case 'odd-disposition':
      body = multipart(
        [
          ...fields(target, kind, csrf),
          {
            ...filePart,
            disposition: r.pick([
              'Content-Disposition: form-data; name=file; filename=a.csv',
              'Content-Disposition: form-data; name="file"; filename*=UTF-8\'\'%e2%80%ae%00.csv',
              'Content-Disposition: form-data; name="file"; filename="a.csv"; filename="b.csv"',
              'Content-Disposition: form-data; name="file"; filename',
              'Content-Disposition: form-data; name="file"; filename="unterminated.csv',
              'Content-Disposition: attachment; name="file"; filename="a.csv"',
              'Content-Disposition: form-data; name="file"; filename=""',
              'Content-Disposition: form-data; name="file"; filename="a.csv"; size=-1; creation-date="yesterday"',
              'CONTENT-DISPOSITION: FORM-DATA; NAME="FILE"; FILENAME="A.CSV"',
              'Content-Disposition:',
              `Content-Disposition: form-data; name="file"; ${'x=1; '.repeat(2_000)}filename="a.csv"`,
            ]),
          },
        ],
        boundary,
      );
      break;
    case 'header-folding':
      body = multipart(
        [
          ...fields(target, kind, csrf),
          { ...filePart, disposition: 'Content-Disposition: form-data;\r\n name="file";\r\n\tfilename="folded.csv"' },
        ],
        boundary,
      );
      break;
    case 'huge-part-headers':
      body = multipart(
        [
          ...fields(target, kind, csrf),
          {
            ...filePart,
            extraHeaders: r.chance(0.5)
              ? [`X-Long: ${'h'.repeat(r.size(1_000, 500_000))}`]
              : Array.from({ length: r.int(100, 5_000) }, (_, i) => `X-Header-${i}: ${i}`),
          },
        ],
        boundary,
      );
      break;
    case 'base64-part':
      body = multipart(
        [
          ...fields(target, kind, csrf),
          {
            ...filePart,
            extraHeaders: ['Content-Transfer-Encoding: base64'],
            body: Buffer.from(file.bytes.toString('base64')),
          },
        ],
        boundary,
      );
      break;
    case 'nested-mixed': {
      const inner = newBoundary(r);
      body = multipart(
        [
          ...fields(target, kind, csrf),
          {
            name: 'file',
            contentType: `multipart/mixed; boundary=${inner}`,
            body: multipart(
              [
                {
                  disposition: 'Content-Disposition: file; filename="inner.csv"',
                  contentType: 'text/csv',
                  body: file.bytes,
                },
              ],
              inner,
            ),
          },
        ],
        boundary,
      );
      break;
    }
    case 'preamble-epilogue':
      body = multipart(standard, boundary, {
        preamble: r.bytes(r.int(1, 5_000)).toString('latin1'),
        epilogue: r.bytes(r.int(1, 5_000)).toString('latin1'),
      });
      break;
    case 'charset-param':
      headers = {
        'content-type': `multipart/form-data; charset=${r.pick(['utf-16', 'x-unknown', 'utf-7', ''])}; boundary=${boundary}`,
      };
      body = multipart(standard, boundary);
      break;
    case 'empty-body':
      body = Buffer.alloc(0);
      break;
    case 'only-closing':
      body = Buffer.from(`--${boundary}--\r\n`);
      break;
    case 'file-first':
      body = multipart([filePart, ...fields(target, kind, csrf)], boundary);
      break;
    case 'file-in-other-field':
      body = multipart(
        [...fields(target, kind, csrf), { ...filePart, name: r.pick(['upload', 'File', 'file[]', '', 'files']) }],
        boundary,
      );
      break;
    case 'empty-file-name':
      body = multipart(
        [
          ...fields(target, kind, csrf),
          { ...filePart, filename: '', body: r.chance(0.5) ? Buffer.alloc(0) : file.bytes },
        ],
        boundary,
      );
      break;
    default:
      body = multipart(
        [
          ...fields(target, kind, csrf),
          { ...filePart, disposition: `Content-Disposition: form-data; name="fi\u0000le"; filename="a\u0000.csv"` },
        ],
        boundary,
      );
  }
  return { generator: `multipart:${variant} [file ${file.generator}]`, headers, body };
}

/** The file sent as something other than multipart/form-data. */
function wrongContentType(r: Random, target: Target, kind: KindId, csrf: string, file: GeneratedFile): Shape {
  const variant = r.pick([
    'text-csv',
    'octet-stream',
    'json',
    'json-object',
    'urlencoded',
    'none',
    'multipart-mixed',
    'odd-spacing',
    'upper-case',
    'xlsx-type',
    'text-plain',
    'gzip-encoding',
    'unknown-encoding',
  ]);
  const boundary = newBoundary(r);
  const form = multipart(
    [
      ...fields(target, kind, csrf),
      { name: 'file', filename: `${kind}.csv`, contentType: 'text/csv', body: file.bytes },
    ],
    boundary,
  );
  const shapes: Record<string, () => Omit<Shape, 'generator'>> = {
    'text-csv': () => ({ headers: { 'content-type': 'text/csv' }, body: file.bytes }),
    'octet-stream': () => ({ headers: { 'content-type': 'application/octet-stream' }, body: file.bytes }),
    json: () => ({ headers: { 'content-type': 'application/json' }, body: file.bytes }),
    'json-object': () => ({
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(
        JSON.stringify({ kind, _csrf: csrf, file: file.bytes.subarray(0, 200_000).toString('base64') }),
      ),
    }),
    urlencoded: () => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(
        `_csrf=${encodeURIComponent(csrf)}&kind=${kind}&file=${encodeURIComponent(file.bytes.subarray(0, 1_500_000).toString('latin1'))}`,
      ),
    }),
    none: () => ({ headers: {}, body: file.bytes }),
    'multipart-mixed': () => ({ headers: { 'content-type': `multipart/mixed; boundary=${boundary}` }, body: form }),
    'odd-spacing': () => ({ headers: { 'content-type': `multipart/form-data ;  boundary = ${boundary}` }, body: form }),
    'upper-case': () => ({ headers: { 'content-type': `MULTIPART/FORM-DATA; BOUNDARY=${boundary}` }, body: form }),
    'xlsx-type': () => ({ headers: { 'content-type': XLSX_TYPE }, body: file.bytes }),
    'text-plain': () => ({ headers: { 'content-type': 'text/plain; charset=utf-7' }, body: file.bytes }),
    'gzip-encoding': () => ({
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-encoding': 'gzip' },
      body: gzipSync(form),
    }),
    'unknown-encoding': () => ({
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-encoding': r.pick(['br', 'compress', 'x-unknown', 'gzip, gzip', 'identity']),
      },
      body: form,
    }),
  };
  return { generator: `content-type:${variant} [file ${file.generator}]`, ...shapes[variant]() };
}

/** Right form, wrong credentials or address: no session, another's session, bad tokens, unknown kinds. */
function badCredentials(
  r: Random,
  target: Target,
  kind: KindId,
  csrf: string,
  otherCsrf: string,
  file: GeneratedFile,
): Shape {
  const boundary = newBoundary(r);
  const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
  const form = (fieldParts: Part[]) =>
    multipart(
      [...fieldParts, { name: 'file', filename: `${kind}.csv`, contentType: 'text/csv', body: file.bytes }],
      boundary,
    );
  if (target === 'page') {
    const variant = r.pick([
      'no-session',
      'bad-csrf',
      'other-sessions-csrf',
      'other-session-cookie',
      'tampered-cookie',
      'unknown-kind',
      'traversal-kind',
      'kind-case',
      'replaces-junk',
      'replaces-real',
    ]);
    const shape = (over: Partial<Shape>): Shape => ({
      generator: `credentials:${variant}`,
      headers,
      body: form([{ name: '_csrf', body: Buffer.from(csrf) }]),
      ...over,
    });
    switch (variant) {
      case 'no-session':
        return shape({ cookie: 'none' });
      case 'bad-csrf':
        return shape({
          body: form([
            { name: '_csrf', body: Buffer.from(r.pick(['', r.hex(30), `${csrf}x`, csrf.slice(1), 'null', '\u0000'])) },
          ]),
        });
      case 'other-sessions-csrf':
        return shape({ body: form([{ name: '_csrf', body: Buffer.from(otherCsrf) }]) });
      case 'other-session-cookie':
        return shape({ cookie: 'other' });
      case 'tampered-cookie':
        return shape({ cookie: 'tampered' });
      case 'unknown-kind':
        return shape({
          path: `/bulk/${r.pick(['school-data', 'nothing', 'x'.repeat(3_000), '%00', '__proto__', 'constructor', '..', 'qts-recommendations%00'])}`,
        });
      case 'traversal-kind':
        return shape({
          path: `/bulk/${r.pick(['..%2f..%2fhealth', '../../api/v1/uploads', '%2e%2e/uploads', 'qts-recommendations/../placements'])}`,
        });
      case 'kind-case':
        return shape({ path: `/bulk/${kind.toUpperCase()}` });
      case 'replaces-junk':
        return shape({
          body: form([
            { name: '_csrf', body: Buffer.from(csrf) },
            {
              name: 'replaces',
              body: Buffer.from(
                r.pick([
                  'not-an-id',
                  "1' or '1'='1",
                  '00000000-0000-0000-0000-000000000000',
                  uuid(r),
                  '-1',
                  'x'.repeat(1_000),
                  '\u0000',
                ]),
              ),
            },
          ]),
        });
      default:
        return shape({ generator: 'credentials:replaces-real' });
    }
  }
  const variant = r.pick([
    'no-token',
    'junk-token',
    'basic',
    'prefix-only',
    'token-and-more',
    'unknown-kind',
    'kind-of-school',
    'long-kind',
    'empty-kind',
    'huge-header',
  ]);
  const shape = (over: Partial<Shape>): Shape => ({
    generator: `credentials:${variant}`,
    headers,
    body: form([{ name: 'kind', body: Buffer.from(kind) }]),
    ...over,
  });
  switch (variant) {
    case 'no-token':
      return shape({ authorization: 'none' });
    case 'junk-token':
      return shape({ authorization: { header: `Bearer ${r.hex(r.int(1, 64))}` } });
    case 'basic':
      return shape({
        authorization: { header: `Basic ${Buffer.from('provider@example.com:rollbook-demo').toString('base64')}` },
      });
    case 'prefix-only':
      return shape({ authorization: { header: r.pick(['Bearer rbk_', 'Bearer', 'Bearer  ', 'rbk_']) } });
    case 'token-and-more':
      return shape({ authorization: { header: `Bearer rbk_${r.hex(20)} rbk_${r.hex(20)}` } });
    case 'unknown-kind':
      return shape({
        body: form([
          {
            name: 'kind',
            body: Buffer.from(
              r.pick([
                'school-data',
                '../../etc/passwd',
                '__proto__',
                'constructor',
                'QTS-RECOMMENDATIONS',
                ' placements ',
                '\u0000',
              ]),
            ),
          },
        ]),
      });
    case 'kind-of-school':
      return shape({ body: form([{ name: 'kind', body: Buffer.from('school-placements') }]) });
    case 'long-kind':
      return shape({ body: form([{ name: 'kind', body: Buffer.from('k'.repeat(r.int(1_025, 100_000))) }]) });
    case 'empty-kind':
      return shape({ body: form([{ name: 'kind', body: Buffer.alloc(0) }]) });
    default:
      return shape({ authorization: { header: `Bearer ${'A'.repeat(r.int(1_000, 60_000))}` } });
  }
}

/** Request i of the seed's run. */
export function planRequest(seed: number, index: number, ctx: RequestContext): PlannedRequest {
  const r = new Random(seed, index);
  const target: Target = r.chance(0.5) ? 'page' : 'api';
  const identity = ctx.identities.length > 1 && r.chance(0.3) ? 1 : 0;
  const other = ctx.identities[(identity + 1) % ctx.identities.length];
  const kind = r.pick(KINDS);
  const me = ctx.identities[identity];
  const files = me.files[kind];
  const category = r.weighted<string>([
    [70, 'hostile-file'],
    [5, 'valid'],
    [13, 'broken-multipart'],
    [5, 'content-type'],
    [6, 'credentials'],
    [0.5, 'aborted'],
  ]);
  let shape: Shape;
  let followUp = false;
  switch (category) {
    case 'valid':
      shape = wellFormed(r, target, kind, me.csrf, validFile(r, files));
      followUp = r.chance(0.5);
      break;
    case 'broken-multipart':
      shape = brokenMultipart(r, target, kind, me.csrf, r.chance(0.5) ? validFile(r, files) : hostileFile(r, files));
      break;
    case 'content-type':
      shape = wrongContentType(r, target, kind, me.csrf, r.chance(0.5) ? validFile(r, files) : hostileFile(r, files));
      break;
    case 'credentials': {
      const file = validFile(r, files);
      shape = badCredentials(r, target, kind, me.csrf, other.csrf, file);
      if (shape.generator === 'credentials:replaces-real') {
        const replaces = ctx.acceptedUploads.length ? r.pick(ctx.acceptedUploads) : uuid(r);
        shape = {
          ...wellFormed(r, target, kind, me.csrf, file, [{ name: 'replaces', body: Buffer.from(replaces) }]),
          generator: 'credentials:replaces-real',
        };
      }
      break;
    }
    case 'aborted': {
      const file = hostileFile(r, files);
      shape = { ...wellFormed(r, target, kind, me.csrf, file), generator: `aborted:${file.generator}` };
      break;
    }
    default:
      shape = wellFormed(r, target, kind, me.csrf, hostileFile(r, files));
      followUp = r.chance(0.1);
  }
  const planned: PlannedRequest = {
    index,
    generator: `${target} ${shape.generator}`,
    target,
    kind,
    identity,
    path: shape.path ?? (target === 'page' ? `/bulk/${kind}` : '/api/v1/uploads'),
    headers: { accept: target === 'page' ? 'text/html' : 'application/json', ...shape.headers },
    body: shape.body,
    cookie: shape.cookie ?? 'session',
    authorization: shape.authorization ?? 'token',
    followUp,
  };
  if (category === 'aborted') planned.abortAfter = r.int(0, Math.max(0, shape.body.length - 1));
  else if (r.chance(0.05)) planned.chunkSize = r.pick([1, 7, 512, 16 * 1024, 256 * 1024]);
  return planned;
}
