import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generatePassword, validateInstanceName } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';

describe('instance names', () => {
  it.each(['main', 'a', 'app_1', 'App-2', '9lives', 'x'.repeat(50)])('accepts %j', (name) => {
    expect(validateInstanceName(name)).toBe(name);
  });
  it.each(['', '../x', 'a/b', 'a b', 'x;rm -rf /', 'x'.repeat(51), 'ünï', '-lead', '_lead', 'a.b', '--force'])(
    'rejects %j',
    (name) => {
      expect(() => validateInstanceName(name)).toThrow(/invalid instance name/);
    },
  );
});

describe('passwords', () => {
  it('are at least 24 URL-safe characters and differ each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword().reveal();
      expect(p).toMatch(/^[A-Za-z0-9_-]{24,}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });

  it('never print themselves', () => {
    const s = new Secret('hunter2-hunter2');
    expect(String(s)).toBe('*****');
    expect(JSON.stringify({ s })).toBe('{"s":"*****"}');
    expect(inspect({ s })).not.toContain('hunter2');
    expect(s.reveal()).toBe('hunter2-hunter2');
  });
});
