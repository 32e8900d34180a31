// Build the federated labextension into ../workbench/labextension with @jupyterlab/builder,
// against the JupyterLab core metadata in @jupyterlab/core-meta: no Python needed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const core = join('lib', 'core');
mkdirSync(core, { recursive: true });
copyFileSync(require.resolve('@jupyterlab/core-meta/core.package.json'), join(core, 'package.json'));
const builder = join(dirname(require.resolve('@jupyterlab/builder/package.json')), 'lib', 'build-labextension.js');
execFileSync(process.execPath, [builder, '--core-path', core, ...process.argv.slice(2), '.'], { stdio: 'inherit' });
