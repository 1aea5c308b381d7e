import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run rebuild -- --group <group> [--from earliest|<ISO time>] [--force] [--url <app URL>]
  --group  the consumer group to rebuild: anti-fraud, reporting or recommendation
  --from   where to replay from: earliest (default) or an ISO 8601 time with its zone, e.g. 2026-11-30T12:00:00Z
  --force  rebuild even where the log no longer holds records the view was built from (retention)
  --url    the app running the group (default NURT_URL, else http://127.0.0.1:$PORT, else :3000);
           the gateway in split mode. NURT_ADMIN_TOKEN, when set, is sent as the bearer token.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface RebuildArgs {
  readonly group: string;
  readonly from: string;
  readonly force: boolean;
  readonly url: string;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseRebuildArgs(argv: readonly string[], env: NodeJS.ProcessEnv): RebuildArgs {
  let values: { group?: string; from?: string; force?: boolean; url?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        group: { type: 'string' },
        from: { type: 'string' },
        force: { type: 'boolean' },
        url: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err: unknown) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (!values.group) throw new UsageError('--group is required');
  const from = values.from ?? 'earliest';
  if (from !== 'earliest' && (!ISO_TIME.test(from) || Number.isNaN(Date.parse(from)))) {
    throw new UsageError(`--from must be earliest or an ISO 8601 time with its zone, got ${JSON.stringify(from)}`);
  }
  const url = values.url ?? env.NURT_URL ?? `http://127.0.0.1:${env.PORT ?? 3000}`;
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`);
  return { group: values.group, from, force: values.force ?? false, url: url.replace(/\/+$/, '') };
}
