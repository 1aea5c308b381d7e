/** Inject with `@Inject(DATABASE) db: Database`. */
export const DATABASE = Symbol('nurt.database');
export const DATABASE_ENV = Symbol('nurt.database.env');
