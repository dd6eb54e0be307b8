import { inspect } from 'node:util';

export const MASK = '*****';

/**
 * A value that must not leak into logs or output by accident. It prints as the mask in
 * string conversion, JSON and util.inspect; `reveal()` is the only way to read it, so every
 * place that shows a password is visible in a grep.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get isEmpty(): boolean {
    return this.#value.length === 0;
  }

  toString(): string {
    return MASK;
  }

  toJSON(): string {
    return MASK;
  }

  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }
}
