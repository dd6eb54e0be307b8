import { describe, expect, it } from 'vitest';
import {
  checkExplicitPort,
  choosePort,
  parsePort,
  type PortClaims,
  type PortHolder,
  type PortProbe,
} from '../../src/core/ports.js';

const probe = (listening: Record<number, string> = {}): PortProbe => ({
  isFree: async (p) => !(p in listening),
  findListener: async (p) => (p in listening ? { kind: 'process', name: listening[p]! } : undefined),
});
const claims = (claimed: number[] = [], published: number[] = []): PortClaims => ({
  claimed: new Map(claimed.map((p): [number, PortHolder] => [p, { kind: 'instance', name: `i${p}` }])),
  published: new Map(published.map((p): [number, PortHolder] => [p, { kind: 'container', name: `c${p}` }])),
});

describe('port allocation', () => {
  it('gives the first free port, preferring the preferred one', async () => {
    expect(await choosePort(claims(), probe())).toBe(5433);
    expect(await choosePort(claims(), probe(), 5440)).toBe(5440);
  });

  it('skips ports claimed by instances, published by containers, and listened on', async () => {
    expect(await choosePort(claims([5433], [5434]), probe({ 5435: 'pid 1 (nginx)' }))).toBe(5436);
  });

  it('never hands out a stopped instance port (claims do not depend on state)', async () => {
    expect(await choosePort(claims([5433]), probe(), 5433)).toBe(5434);
  });

  it('honours the skip set used after the engine found a port taken', async () => {
    expect(await choosePort(claims(), probe(), undefined, new Set([5433, 5434]))).toBe(5435);
  });

  it('fails clearly when the range is full', async () => {
    const all = Array.from({ length: 67 }, (_, i) => 5433 + i);
    await expect(choosePort(claims(all), probe())).rejects.toThrow(/no free port in 5433-5499/);
  });

  it.each(['80', '5432', '5500', '-1', 'abc', '5433.5', ''])('rejects explicit port %j', (p) => {
    expect(() => parsePort(p)).toThrow(/ports must be whole numbers in 5433-5499/);
  });

  it('names the holder of an explicit port', async () => {
    await expect(checkExplicitPort(5433, claims([5433]), probe())).rejects.toThrow(/instance i5433/);
    await expect(checkExplicitPort(5434, claims([], [5434]), probe())).rejects.toThrow(/container c5434/);
    await expect(checkExplicitPort(5435, claims(), probe({ 5435: 'pid 42 (nc)' }))).rejects.toThrow(/pid 42 \(nc\)/);
    await expect(checkExplicitPort(5436, claims(), probe())).resolves.toBeUndefined();
  });
});
