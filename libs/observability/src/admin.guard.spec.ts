import { ConfigError } from '@nurt/config';
import { adminDenial, clientAddress, loadAdminEnv } from './admin.guard.js';

const TOKEN = 'a-token-of-24-characters';

describe('admin access', () => {
  describe('without NURT_ADMIN_TOKEN', () => {
    const env = loadAdminEnv({});
    it.each(['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1'])('lets a loopback client (%s) in', (ip) => {
      expect(adminDenial(env, undefined, ip)).toBeNull();
    });
    it.each(['10.0.0.5', '::ffff:192.168.1.2', '2001:db8::1', undefined])('refuses %s with 403 saying why', (ip) => {
      expect(adminDenial(env, undefined, ip)).toEqual({
        status: 403,
        message: expect.stringMatching(/loopback clients only while NURT_ADMIN_TOKEN is unset/) as string,
      });
    });
  });

  describe('with NURT_ADMIN_TOKEN', () => {
    const env = loadAdminEnv({ NURT_ADMIN_TOKEN: TOKEN });
    it('needs the token, from loopback too', () => {
      expect(adminDenial(env, undefined, '127.0.0.1')).toMatchObject({ status: 401 });
      expect(adminDenial(env, 'Basic eDp5', '127.0.0.1')).toMatchObject({ status: 401 });
      expect(adminDenial(env, 'Bearer wrong-token-of-24-chars', '10.0.0.5')).toMatchObject({ status: 403 });
      expect(adminDenial(env, `Bearer ${TOKEN}x`, '10.0.0.5')).toMatchObject({ status: 403 });
    });
    it('lets the token in from anywhere', () => {
      expect(adminDenial(env, `Bearer ${TOKEN}`, '10.0.0.5')).toBeNull();
      expect(adminDenial(env, `bearer ${TOKEN}`, undefined)).toBeNull();
    });
  });

  it('refuses a token too short, in one line that does not echo it', () => {
    expect(() => loadAdminEnv({ NURT_ADMIN_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadAdminEnv({ NURT_ADMIN_TOKEN: 'short' })).toThrow(/at least 16 characters \(it has 5\)$/);
  });

  describe('the client behind a proxy on this machine', () => {
    it('is the last address the proxy appended to X-Forwarded-For', () => {
      expect(clientAddress('127.0.0.1', '10.0.0.5')).toBe('10.0.0.5');
      // A client cannot pass for loopback by sending its own header: the proxy appends its peer.
      expect(clientAddress('127.0.0.1', '127.0.0.1, 10.0.0.5')).toBe('10.0.0.5');
    });
    it('is the peer when the peer is not on this machine, whatever the header says', () => {
      expect(clientAddress('10.0.0.7', '127.0.0.1')).toBe('10.0.0.7');
      expect(clientAddress('127.0.0.1', undefined)).toBe('127.0.0.1');
    });
  });
});
