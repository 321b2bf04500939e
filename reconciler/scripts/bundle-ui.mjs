// Bundles the observatory pages (reconciler/ui) with their graph layout library into build/ui,
// so the reconciler serves them with no CDN and no network: one module, the HTML and the CSS.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build', 'ui');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'ui', 'main.js')],
  outfile: join(out, 'main.js'),
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(join(root, 'ui', file), join(out, file));
