// npm run rebuild -- --group reporting [--from earliest|<ISO time>] [--force] [--url http://127.0.0.1:3000]
// Rebuilds a consumer group's view from the log through the app that runs it
// (POST /admin/groups/<group>/rebuild) and reports progress until the group has replayed what the
// log held when it started (docs/pipeline.md, "Rebuilding a view"). Exit 2 on bad input, 1 when
// the app refused or failed.
import { loadRepoEnv } from '../cli.js';
import { parseRebuildArgs, USAGE, UsageError, type RebuildArgs } from './rebuild-args.js';

interface Progress {
  readonly state: 'replaying' | 'done';
  readonly records: number;
  readonly replayed: number;
  readonly lag: number | null;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly partitions: readonly { topic: string; partition: number; from: number; to: number }[];
}

loadRepoEnv();

function args(): RebuildArgs {
  try {
    return parseRebuildArgs(process.argv.slice(2), process.env);
  } catch (err: unknown) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`rebuild: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

function fail(message: string): never {
  process.stderr.write(`rebuild: ${message}\n`);
  process.exit(1);
}

const a = args();
const token = process.env.NURT_ADMIN_TOKEN;
const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
const endpoint = `${a.url}/admin/groups/${encodeURIComponent(a.group)}/rebuild`;

async function call(method: 'GET' | 'POST', body?: unknown): Promise<Progress> {
  let res: Response;
  try {
    res = await fetch(endpoint, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (err: unknown) {
    const cause =
      (err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.message : String(err));
    fail(`cannot reach ${a.url} (${cause}): is the app running the group up? (--url, NURT_URL or PORT)`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const parsed = (JSON.parse(text) as { message?: unknown }).message;
      if (typeof parsed === 'string') message = parsed;
      else if (Array.isArray(parsed)) message = parsed.map(String).join('; ');
    } catch {
      // not JSON: the text as it came
    }
    fail(`${method} ${endpoint} answered ${res.status}: ${message}`);
  }
  return JSON.parse(text) as Progress;
}

const started = await call('POST', { from: a.from, ...(a.force ? { force: true } : {}) });
const topics = [...new Set(started.partitions.map((p) => p.topic))].join(', ');
process.stdout.write(
  `rebuild: ${a.group} rewound on ${topics} (from ${a.from}) and its view cleared; replaying ${started.records} records\n`,
);
let last = '';
for (let p = started; ; p = await call('GET')) {
  const line = `rebuild: ${a.group}: ${p.replayed}/${p.records} replayed, lag ${p.lag ?? 'not read yet'}`;
  if (line !== last) process.stdout.write(`${line}\n`);
  last = line;
  if (p.state === 'done') {
    const seconds = (Date.parse(p.finishedAt ?? p.startedAt) - Date.parse(p.startedAt)) / 1000;
    process.stdout.write(`rebuild: ${a.group} done: ${p.records} records replayed in ${seconds.toFixed(1)} s\n`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
