import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import { statementError } from '../../src/postgres/errors.js';

/** The fields pg's DatabaseError carries, without a server. */
function serverError(fields: Record<string, string>): Error {
  return Object.assign(new Error(fields.message), { severity: 'ERROR', code: '42P01', ...fields });
}

describe('statementError', () => {
  it('names file and line, shows the caret, DETAIL and SQLSTATE, and passes the server hint on', () => {
    const e = statementError(
      serverError({
        message: 'relation "nope" does not exist',
        position: '17',
        detail: 'some detail',
        hint: 'try this',
      }),
      {
        source: 'db/seed.sql',
        statement: 'SELECT *\n  FROM nope;',
        line: 10,
      },
    );
    expect(e).toBeInstanceOf(CliError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('db/seed.sql:11: ERROR:  relation "nope" does not exist');
    expect(e.details).toBe(
      ['LINE 11:   FROM nope;', '                ^', 'DETAIL:  some detail', 'SQLSTATE: 42P01'].join('\n'),
    );
    expect(e.hint).toBe('try this');
  });

  it('puts a COPY data error on the line of the bad row', () => {
    const e = statementError(
      serverError({
        message: 'invalid input syntax for type integer: "x"',
        code: '22P02',
        where: 'COPY t, line 3, column id: "x"',
      }),
      {
        source: 'dump.sql',
        statement: 'COPY t (id) FROM stdin;',
        line: 40,
        dataLine: 41,
      },
    );
    expect(e.message).toMatch(/^dump\.sql:43: /);
    expect(e.details).toContain('CONTEXT:  COPY t, line 3');
  });

  it('adds our hint for statements that cannot run in a transaction', () => {
    const e = statementError(
      serverError({ message: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block', code: '25001' }),
      { source: 'm.sql', statement: 'x', line: 2 },
    );
    expect(e.hint).toMatch(/no-transaction/);
  });

  it('reports a lost connection with where it happened', () => {
    const e = statementError(new Error('Connection terminated unexpectedly'), {
      source: '<stdin>',
      statement: 'SELECT 1',
      line: 7,
    });
    expect(e.message).toBe('<stdin>:7: Connection terminated unexpectedly');
  });
});
