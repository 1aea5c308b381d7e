/** The most customers `npm run produce` reads from the customers service: enough for any traffic it makes. */
export const MAX_CUSTOMERS = 20_000;
const PAGE = 500;

/**
 * Every customer id the customers service lists (GET /customers, following nextCursor), up to
 * MAX_CUSTOMERS. Throws, saying what the service answered, rather than falling back: whoever
 * passed --customers-url wants those customers.
 */
export async function customerIdsFrom(url: string): Promise<string[]> {
  const base = url.replace(/\/+$/, '');
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = `${base}/customers?limit=${PAGE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    let res: Response;
    try {
      res = await fetch(page);
    } catch (err: unknown) {
      const cause =
        (err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.message : String(err));
      throw new Error(`cannot reach the customers service at ${base} (${cause})`, { cause: err });
    }
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${page} answered ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { items?: { id?: unknown }[]; nextCursor?: string | null };
    if (!Array.isArray(body.items)) throw new Error(`GET ${page} answered no items: ${text.slice(0, 300)}`);
    for (const c of body.items) if (typeof c.id === 'string' || typeof c.id === 'number') ids.push(String(c.id));
    cursor = body.nextCursor ?? null;
  } while (cursor !== null && ids.length < MAX_CUSTOMERS);
  if (ids.length === 0) throw new Error(`${base}/customers lists no customers`);
  return ids.slice(0, MAX_CUSTOMERS);
}
