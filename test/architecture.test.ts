// The layers' import rules, checked over every import in src/ (docs/architecture.md, "Layers"):
// the domain and the database import nothing above them, the shared upload pipeline reaches the
// kinds only through their registry and contract, there are no import cycles, and a kind's id is
// written nowhere outside its folder but the registry.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allKinds } from '../src/uploads/kinds/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');

/** Every file under a folder, as paths from the project's root (src/…). */
function filesUnder(folder: string, endings: string[]): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && endings.some((ending) => entry.name.endsWith(ending)))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

const sources = filesUnder('src', ['.ts']);
const text = new Map(sources.map((file) => [file, readFileSync(path.join(root, file), 'utf8')]));

/**
 * The specifiers a module imports: `import … from '…'`, `export … from '…'`, `import '…'` and
 * `import('…')`, each at the start of a statement (so SQL's "from" in a string is not one).
 */
const IMPORT = [
  /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\}|[\w$]+)\s+from\s+['"]([^'"]+)['"]/gm,
  /^\s*import\s+['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Each file's imports of other files of the project, resolved to paths from its root. */
const imports = new Map<string, string[]>(
  sources.map((file) => {
    const code = text.get(file) ?? '';
    const targets = IMPORT.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1]))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) =>
        path
          .relative(root, path.resolve(path.dirname(path.join(root, file)), specifier))
          .split(path.sep)
          .join('/'),
      );
    return [file, [...new Set(targets)]];
  }),
);

/** A kind's own tests sit in its folder, but are not part of the layers: they use everything. */
const isTest = (file: string) => file.endsWith('.test.ts');
const under = (folder: string) => (file: string) => file.startsWith(`${folder}/`);

/** The import edges from files matching `from` to files matching `to`, as "a → b" lines. */
function edges(from: (file: string) => boolean, to: (file: string) => boolean): string[] {
  return [...imports]
    .filter(([file]) => from(file) && !isTest(file))
    .flatMap(([file, targets]) => targets.filter(to).map((target) => `${file} → ${target}`));
}

const LAYERS = ['web', 'api', 'uploads', 'jobs', 'integrations', 'domain', 'db', 'demo'] as const;
/** src/*.ts: the entry points and composition root (main, cli, migrate, app, services, config). */
const isTopLevel = (file: string) => file.startsWith('src/') && !file.slice(4).includes('/');
const inLayer = (layer: (typeof LAYERS)[number]) => under(`src/${layer}`);

/** The shared pipeline: src/uploads/*.ts and its sheets and cells. */
const isPipeline = (file: string) =>
  (file.startsWith('src/uploads/') && !file.slice('src/uploads/'.length).includes('/')) ||
  under('src/uploads/sheets')(file) ||
  under('src/uploads/cells')(file);
/** A particular kind's folder: src/uploads/kinds/<id>/…. */
const isInKindFolder = (file: string) => /^src\/uploads\/kinds\/[^/]+\//.test(file);

/** Every import cycle (strongly connected files), each listed by its files. */
function cycles(): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of imports.get(file) ?? []) {
      if (!imports.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      const selfImport = (imports.get(file) ?? []).includes(file);
      if (component.length > 1 || selfImport) found.push(component.sort());
    }
  };
  for (const file of imports.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('architecture', () => {
  it('knows every folder of src/ as a layer', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    assert.deepEqual(folders, [...LAYERS].sort());
  });

  it('finds the imports it checks', () => {
    // A guard against a pattern that matches nothing: these imports are known to be there.
    assert.ok(imports.get('src/main.ts')?.includes('src/app.ts'));
    assert.ok(imports.get('src/uploads/kinds/index.ts')?.includes('src/uploads/kinds/placements/kind.ts'));
    assert.ok(imports.get('src/domain/placements/placements.ts')?.includes('src/db/schema.ts'));
    for (const [file, targets] of imports) {
      for (const target of targets) {
        if (!target.startsWith('src/')) continue;
        assert.ok(text.has(target) || target.endsWith('.js'), `${file} imports ${target}, which is not a file`);
      }
    }
  });

  it('the database layer imports only itself', () => {
    assert.deepEqual(
      edges(inLayer('db'), (target) => !inLayer('db')(target)),
      [],
    );
  });

  it('the domain imports only the domain and the database: no pages, API, uploads, jobs or adapters', () => {
    assert.deepEqual(
      edges(inLayer('domain'), (target) => !inLayer('domain')(target) && !inLayer('db')(target)),
      [],
    );
  });

  it('uploads import only uploads, the domain and the database', () => {
    assert.deepEqual(
      edges(
        inLayer('uploads'),
        (target) => !['uploads', 'domain', 'db'].some((layer) => under(`src/${layer}`)(target)),
      ),
      [],
    );
  });

  it('jobs and adapters import no pages, API or entry points', () => {
    const above = (target: string) => inLayer('web')(target) || inLayer('api')(target) || isTopLevel(target);
    assert.deepEqual(edges(inLayer('jobs'), above), []);
    assert.deepEqual(edges(inLayer('integrations'), above), []);
  });

  it('demo data builds on the domain only, and only the entry points load it', () => {
    // src/demo/ makes its records through the domain's operations (and reads the demo schools file).
    assert.deepEqual(
      edges(
        inLayer('demo'),
        (target) =>
          !['demo', 'domain', 'db'].some((layer) => under(`src/${layer}`)(target)) &&
          target !== 'src/integrations/schools-register/gias-csv.ts',
      ),
      [],
    );
    assert.deepEqual(
      edges(
        (file) => !inLayer('demo')(file) && !isTopLevel(file),
        (target) => inLayer('demo')(target),
      ),
      [],
    );
  });

  it('only the entry points import app.ts, and nothing imports an entry point', () => {
    const entry = ['src/main.ts', 'src/cli.ts', 'src/migrate.ts'];
    assert.deepEqual(
      edges(
        (file) => !entry.includes(file),
        (target) => target === 'src/app.ts' || entry.includes(target),
      ),
      [],
    );
  });

  it('the shared pipeline reaches a kind only through the registry and the contract', () => {
    assert.deepEqual(edges(isPipeline, isInKindFolder), []);
    // Nor through the files the kinds share (kinds/<file>.ts): the pipeline knows kinds by index.ts and kind.ts.
    assert.deepEqual(
      edges(
        isPipeline,
        (target) =>
          under('src/uploads/kinds')(target) &&
          target !== 'src/uploads/kinds/index.ts' &&
          target !== 'src/uploads/kinds/kind.ts',
      ),
      [],
    );
  });

  it('has no import cycles', () => {
    assert.deepEqual(
      cycles().map((files) => files.join(' → ')),
      [],
    );
  });

  it('names a kind only in its own folder and the registry', () => {
    const tables = new Set(
      [
        ...(/export interface DB \{([^}]*)\}/.exec(text.get('src/db/schema.ts') ?? '')?.[1] ?? '').matchAll(/(\w+):/g),
      ].map((match) => match[1]),
    );
    assert.ok(tables.has('placements'), 'the tables are read from src/db/schema.ts');
    const files = [...sources, ...filesUnder('src', ['.njk'])];
    const kinds = allKinds();
    assert.ok(kinds.length >= 3, 'the registry lists the kinds');
    const found: string[] = [];
    for (const { id } of kinds) {
      const name = id.replace(/[-]/g, '\\-');
      const quoted = `(['"\`])${name}\\1`;
      const patterns = [new RegExp(`/bulk/${name}(?![\\w-])`)];
      if (tables.has(id)) {
        // Also a table's name, written in queries everywhere: only comparisons and lookups by kind.
        patterns.push(
          new RegExp(`[=!]==?\\s*${quoted}`),
          new RegExp(`${quoted}\\s*[=!]==?`),
          new RegExp(`\\bcase\\s+${quoted}`),
          new RegExp(`\\bkind(?:Id)?\\s*[:=]\\s*${quoted}`),
          new RegExp(`\\b(?:findKind|kindFor)\\([^)]*${quoted}`),
        );
      } else {
        patterns.push(new RegExp(quoted));
      }
      for (const file of files) {
        if (file.startsWith(`src/uploads/kinds/${id}/`) || file === 'src/uploads/kinds/index.ts') continue;
        const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
        lines.forEach((line, i) => {
          if (patterns.some((pattern) => pattern.test(line)))
            found.push(`${file}:${i + 1} names ${id}: ${line.trim()}`);
        });
      }
    }
    assert.deepEqual(found, []);
  });
});
