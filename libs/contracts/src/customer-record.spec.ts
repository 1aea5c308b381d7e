import { EXAMPLE_CUSTOMER, parseCustomerRecord } from './customer.event.js';

const anna = { ...EXAMPLE_CUSTOMER, id: 7 };

const rec = (key: string | null, eventType?: string): { key: string | null; headers: Record<string, string> } => ({
  key,
  headers: eventType === undefined ? {} : { 'event-type': eventType },
});

/** The dead-letter text the consumer runtime writes for a failed parse. */
function errorsOf(json: unknown, record: ReturnType<typeof rec>): string[] {
  const parsed = parseCustomerRecord(json, record);
  return parsed.ok ? [] : parsed.errors.map((e) => `${e.field}: ${e.message}`);
}

describe('parseCustomerRecord: the customers topic contract', () => {
  it.each(['created', 'updated'])('accepts a %s record keyed by its id', (type) => {
    expect(parseCustomerRecord(anna, rec('7', type))).toEqual({
      ok: true,
      value: { key: '7', type, customer: anna },
    });
  });

  it('accepts a tombstone as a delete, with event-type deleted or with no header at all', () => {
    const deleted = { ok: true, value: { key: '7', type: 'deleted', customer: null } };
    expect(parseCustomerRecord(null, rec('7', 'deleted'))).toEqual(deleted);
    expect(parseCustomerRecord(null, rec('7'))).toEqual(deleted);
  });

  it('names a missing event-type header on a record with a value', () => {
    expect(errorsOf(anna, rec('7'))).toEqual([
      '$headers.event-type: missing; a record with a value needs created or updated',
    ]);
  });

  it('names an unknown event-type, on a value and on a tombstone', () => {
    expect(errorsOf(anna, rec('7', 'upserted'))).toEqual([
      '$headers.event-type: "upserted" is not one of created, updated, deleted',
    ]);
    expect(errorsOf(null, rec('7', 'purged'))).toEqual([
      '$headers.event-type: "purged" is not one of created, updated, deleted',
    ]);
  });

  it('names an event-type that contradicts the value', () => {
    expect(errorsOf(anna, rec('7', 'deleted'))).toEqual([
      '$headers.event-type: deleted on a record with a value; a delete is a tombstone (null value)',
    ]);
    expect(errorsOf(null, rec('7', 'updated'))).toEqual([
      '$headers.event-type: updated on a tombstone (null value), which is a delete',
    ]);
  });

  it('names each field of a value failing CustomerEvent validation, and a value that is not an object', () => {
    const fields = (json: unknown): string[] => {
      const parsed = parseCustomerRecord(json, rec('7', 'updated'));
      return parsed.ok ? [] : parsed.errors.map((e) => e.field).sort();
    };
    expect(fields({ ...anna, segment: 'gold', email: 'nope' })).toEqual(['email', 'segment']);
    expect(fields([anna])).toEqual(['$']);
    expect(fields('anna')).toEqual(['$']);
  });

  it('reports the header and the value together, so one dead letter names everything wrong', () => {
    expect(errorsOf({ ...anna, segment: 'gold' }, rec('7')).map((e) => e.split(':')[0])).toEqual([
      '$headers.event-type',
      'segment',
    ]);
  });

  it('refuses a key that is not the id, and a record or tombstone without a key', () => {
    expect(errorsOf(anna, rec('8', 'updated'))).toEqual(['$key: "8" does not match the id 7']);
    expect(errorsOf(anna, rec(null, 'created'))).toEqual(['$key: missing; expected the id 7']);
    expect(errorsOf(null, rec(null))).toEqual(['$key: a tombstone needs a key (the customer id it deletes)']);
  });
});
