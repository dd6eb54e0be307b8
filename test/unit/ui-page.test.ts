import { describe, expect, it } from 'vitest';
import { page } from '../../src/ui/index.js';

/** The console page is one self-contained document: it must work offline and inside the single executable. */
describe('console page', () => {
  it('carries its style and script inline, each under the per-response nonce', () => {
    expect(page).toContain('border-collapse');
    expect(page.match(/<script\b[^>]*>/g)).toEqual(['<script nonce="__NONCE__">']);
    expect(page.match(/<style\b[^>]*>/g)).toEqual(['<style nonce="__NONCE__">']);
  });

  it('loads nothing from elsewhere and never writes data as markup', () => {
    expect(page).not.toMatch(/<(link|img|iframe)\b|\bsrc=|https?:\/\//);
    expect(page).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
