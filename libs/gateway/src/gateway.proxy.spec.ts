import { proxyError } from './gateway.proxy.js';

const withCause = (message: string, code: string): Error =>
  new Error('request failed', { cause: Object.assign(new Error(message), { code }) });

describe('proxyError', () => {
  it('is 503 naming the service when nothing listens there', () => {
    expect(proxyError('prediction', withCause('connect ECONNREFUSED 127.0.0.1:3002', 'ECONNREFUSED'))).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'prediction is unavailable (connect ECONNREFUSED 127.0.0.1:3002)',
    });
    expect(proxyError('customers', withCause('getaddrinfo ENOTFOUND customers', 'ENOTFOUND')).statusCode).toBe(503);
  });

  it('is 504 when the service does not answer in time', () => {
    expect(proxyError('reporting', withCause('Headers Timeout Error', 'UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({
      statusCode: 504,
      message: 'reporting did not answer in time (Headers Timeout Error)',
    });
  });

  it('is 502 for anything else', () => {
    expect(proxyError('fraud', new Error('bad response')).statusCode).toBe(502);
  });
});
