import { timingSafeEqual } from 'node:crypto';
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ConfigError, loadConfig, type Env } from '@nurt/config';
import { Expose } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';

export const ADMIN_ENV = Symbol('nurt.admin.env');

/** Who may call the operational endpoints that change state (`/admin/*`, switching the model). */
export class AdminEnv {
  /** A bearer token those endpoints require; unset, they answer loopback clients only. */
  @Expose()
  @IsOptional()
  @IsString()
  NURT_ADMIN_TOKEN?: string;
}

const MIN_TOKEN_LENGTH = 16;

export function loadAdminEnv(env?: Env): AdminEnv {
  const config = loadConfig(AdminEnv, env);
  const token = config.NURT_ADMIN_TOKEN;
  // The value is not echoed: it is a secret, even when too short to be a good one.
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError([
      `NURT_ADMIN_TOKEN: must be at least ${MIN_TOKEN_LENGTH} characters (it has ${token.length})`,
    ]);
  }
  return config;
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The client's address: the peer's, or, when the peer is a proxy on this machine (the gateway in
 * split mode), the address that proxy appended last to X-Forwarded-For. Anything before that entry
 * came from the client and is not believed.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined): string | undefined {
  if (!isLoopback(peer) || !forwardedFor) return peer;
  return forwardedFor.split(',').at(-1)?.trim() || peer;
}

/** Why a request to an admin endpoint is refused (status and message), or null when it may go on. */
export function adminDenial(
  env: AdminEnv,
  authorization: string | undefined,
  client: string | undefined,
): { readonly status: 401 | 403; readonly message: string } | null {
  const token = env.NURT_ADMIN_TOKEN;
  if (token === undefined) {
    return isLoopback(client)
      ? null
      : {
          status: 403,
          message:
            'admin endpoints answer loopback clients only while NURT_ADMIN_TOKEN is unset; ' +
            'set it on the server and send Authorization: Bearer <token>',
        };
  }
  const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  if (given === undefined)
    return { status: 401, message: 'admin endpoints need Authorization: Bearer <NURT_ADMIN_TOKEN>' };
  return sameSecret(given, token) ? null : { status: 403, message: 'the bearer token is not NURT_ADMIN_TOKEN' };
}

/**
 * Guards an operational endpoint that changes state: with NURT_ADMIN_TOKEN set, the request needs
 * it as a bearer token; without, only a client on this machine (loopback) is let through, also
 * when it comes through the gateway (see clientAddress).
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_ENV) private readonly env: AdminEnv) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; socket?: { remoteAddress?: string } }>();
    const client = clientAddress(request.socket?.remoteAddress, request.headers['x-forwarded-for']);
    const denial = adminDenial(this.env, request.headers.authorization, client);
    if (denial === null) return true;
    throw denial.status === 401 ? new UnauthorizedException(denial.message) : new ForbiddenException(denial.message);
  }
}
