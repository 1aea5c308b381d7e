// Builds dist/ with `nest build` when it is missing or older than any source, so that
// `npm start` and the e2e suites always run what is in the tree. Usable as a script or imported.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const SOURCES = ['apps', 'libs', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

export function isStale(app = 'monolith') {
  const entry = join(root, 'dist/apps', app, 'main.js');
  if (!existsSync(entry)) return true;
  const sources = SOURCES.map((p) => join(root, p)).filter(existsSync);
  return Math.max(...sources.map(newestMtime)) > statSync(entry).mtimeMs;
}

export function buildIfStale(app = 'monolith') {
  if (!isStale(app)) return;
  console.log('nurt: building (nest build) ...');
  const result = spawnSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`nest build failed (exit ${result.status ?? result.signal})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildIfStale(process.argv[2]);
