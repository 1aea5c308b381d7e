/** The part of a connection a repository needs: parameterised SQL, rows back. */
export interface Queryable {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A database handle. `transaction` gives the callback one connection; it commits if the callback resolves. */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<R>(work: (tx: Queryable) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

/** Postgres error codes the repositories turn into domain errors. */
export const PgErrorCodes = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
  SerializationFailure: '40001',
} as const;

/** The SQLSTATE of a database error, from pg or PGlite alike. */
export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
