import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { upstreams, type GatewayEnv, type Upstream } from './gateway.config.js';
import { GATEWAY_ENV } from './gateway.tokens.js';
import { mergeOpenApi, type ServiceDocument } from './openapi.merge.js';

const FETCH_TIMEOUT_MS = 2000;
const FRESH_MS = 5000;

/**
 * The system's OpenAPI document in split mode: every service's own document, merged. A service
 * that is down is represented by the last document it served, so /docs does not lose endpoints
 * while one service restarts.
 */
@Injectable()
export class GatewayDocs {
  private readonly log = new Logger('GatewayDocs');
  private readonly last = new Map<string, { document: OpenAPIObject; at: number }>();

  constructor(@Inject(GATEWAY_ENV) private readonly env: GatewayEnv) {}

  async document(own: OpenAPIObject): Promise<OpenAPIObject> {
    const docs = await Promise.all(upstreams(this.env).map((u) => this.fetchDocument(u)));
    return mergeOpenApi(
      own,
      docs.filter((d): d is ServiceDocument => d !== undefined),
    );
  }

  private async fetchDocument(upstream: Upstream): Promise<ServiceDocument | undefined> {
    const cached = this.last.get(upstream.service);
    if (cached && Date.now() - cached.at < FRESH_MS) return { service: upstream.service, document: cached.document };
    try {
      const res = await fetch(`${upstream.url}/docs-json`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const document = (await res.json()) as OpenAPIObject;
      this.last.set(upstream.service, { document, at: Date.now() });
      return { service: upstream.service, document };
    } catch (err: unknown) {
      this.log.warn(
        `${upstream.service}: no OpenAPI document from ${upstream.url} (${err instanceof Error ? err.message : String(err)})` +
          (cached ? '; serving the last one' : ''),
      );
      return cached ? { service: upstream.service, document: cached.document } : undefined;
    }
  }
}
