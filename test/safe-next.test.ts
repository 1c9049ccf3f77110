import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loginUrlFor, safeNextPath } from '../src/auth/safe-next.js';

describe('safeNextPath', () => {
  it('keeps paths on this site', () => {
    assert.equal(safeNextPath('/dashboard'), '/dashboard');
    assert.equal(safeNextPath('/dashboard?tab=a#b'), '/dashboard?tab=a#b');
  });

  it('refuses anything that could leave the site', () => {
    for (const next of [
      'https://evil.example/',
      'http://evil.example',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      '/\tevil',
      '/\nevil',
      'dashboard',
      '',
      '/'.padEnd(600, 'a'),
      undefined,
      ['/dashboard'],
      { path: '/dashboard' },
    ]) {
      assert.equal(safeNextPath(next), '/dashboard', JSON.stringify(next));
    }
  });

  it('builds a readable login URL', () => {
    assert.equal(loginUrlFor('/dashboard'), '/login?next=/dashboard');
    assert.equal(loginUrlFor('/a?b=c&d=e'), '/login?next=/a%3Fb%3Dc%26d%3De');
  });
});
