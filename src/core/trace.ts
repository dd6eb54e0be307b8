import { writeSync } from 'node:fs';

/**
 * RESOURCE_POSTGRES_TRACE=1: one stderr line per phase of a run (process start to main, module
 * loads, home scan, engine calls, each connection, server waits, command work, exit), with the
 * time since the process started and what the phase took, to find where a verb spends its time.
 * Off (the default) every call is one boolean test: nothing is formatted, timed or written.
 */
export const TRACE_ENV = 'RESOURCE_POSTGRES_TRACE';

export interface Tracer {
  readonly on: boolean;
  /** A moment: "main entered", "exit". */
  mark(phase: string): void;
  /** A phase with its duration; the result or error of fn passes through unchanged. */
  span<T>(phase: string, fn: () => Promise<T>): Promise<T>;
}

const isOn = (value: string | undefined) => value !== undefined && value !== '' && value !== '0';

/** A tracer writing to `write` (tests) or to file descriptor 2, synchronously: lines survive process.exit. */
export function createTracer(
  env: NodeJS.ProcessEnv,
  write: (line: string) => void = (line) => writeSync(2, line),
  // The global performance loads node's perf_hooks on first use: only when tracing.
  clock: () => number = () => performance.now(),
): Tracer {
  if (!isOn(env[TRACE_ENV])) {
    return { on: false, mark: () => {}, span: (_phase, fn) => fn() };
  }
  const line = (at: number, phase: string, took?: number, failed?: boolean) =>
    write(
      `trace ${at.toFixed(1).padStart(8)} ms  ${phase}${took === undefined ? '' : `  (${took.toFixed(1)} ms${failed ? ', failed' : ''})`}\n`,
    );
  return {
    on: true,
    mark: (phase) => line(clock(), phase),
    async span(phase, fn) {
      const start = clock();
      let failed = true;
      try {
        const value = await fn();
        failed = false;
        return value;
      } finally {
        line(start, phase, clock() - start, failed);
      }
    },
  };
}

/** The process's tracer, from its environment at load. */
export const trace: Tracer = createTracer(process.env);
if (trace.on) {
  const t = (performance as unknown as { nodeTiming: { bootstrapComplete: number } }).nodeTiming;
  writeSync(2, `trace ${t.bootstrapComplete.toFixed(1).padStart(8)} ms  node bootstrap complete\n`);
}

/**
 * An object whose async methods are traced as "<label>.<method>" (an engine's daemon and
 * pg_ctl calls); the object itself when tracing is off.
 */
export function traceCalls<T extends object>(label: string, target: T): T {
  if (!trace.on) return target;
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value: unknown = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(result instanceof Promise)) return result;
        return trace.span(`${label}.${key}`, () => result);
      };
    },
  });
}
