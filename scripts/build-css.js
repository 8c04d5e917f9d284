// Compiles govuk-frontend's Sass and Rollbook's styles into public/: rollbook.css (Arial, the default)
// and rollbook-branded.css (GDS Transport, for GOVUK_BRANDING=true). Plain JavaScript so that it runs
// from npm's postinstall on any Node.js.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sass from 'sass';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'public');
mkdirSync(out, { recursive: true });

const variants = {
  'rollbook.css': 'arial, sans-serif',
  'rollbook-branded.css': '"GDS Transport", arial, sans-serif',
};
for (const [file, fontFamily] of Object.entries(variants)) {
  const source = `
    @use "govuk" with ($govuk-font-family: (${fontFamily}), $govuk-assets-path: "/assets/");
    @use "rollbook";
  `;
  const result = sass.compileString(source, {
    loadPaths: [path.join(root, 'node_modules/govuk-frontend/dist'), path.join(root, 'src/web/layout/styles')],
    style: 'compressed',
    quietDeps: true,
  });
  writeFileSync(path.join(out, file), result.css);
}
console.log(`Built ${Object.keys(variants).join(' and ')} in public/`);
