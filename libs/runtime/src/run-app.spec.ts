import { BadRequestException } from '@nestjs/common';
import { parseJsonBody } from './run-app.js';

const refusal = (body: string): string => {
  try {
    parseJsonBody(body);
  } catch (err: unknown) {
    if (err instanceof BadRequestException) return err.message;
    throw err;
  }
  throw new Error(`${body} was accepted`);
};

describe('parseJsonBody', () => {
  it('reads JSON', () => {
    expect(parseJsonBody('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
  });

  it('says which of the refusals it is', () => {
    expect(refusal('')).toBe('the body is empty: send a JSON value');
    expect(refusal('{"a":')).toMatch(/^the body is not valid JSON: /);
    expect(refusal('{"a":1,"__proto__":{"admin":true}}')).toMatch(/"__proto__"/);
    expect(refusal('{"constructor":{"prototype":{"admin":true}}}')).toMatch(/prototype poisoning/);
  });
});
