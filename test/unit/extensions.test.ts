import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import {
  creatable,
  mergeExtensions,
  missingHint,
  missingPreloads,
  parseExtensionList,
  preloadLibraries,
  preloadSetting,
} from '../../src/core/extensions.js';
import { parseInstanceConf, serializeInstanceConf } from '../../src/core/instance-conf.js';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { withExtensionHint } from '../../src/commands/content/extension-hint.js';
import { containerSpec } from '../../src/engines/docker/container-spec.js';
import { parseListing } from '../../src/engines/docker/image-extensions.js';
import { extensionDirs } from '../../src/engines/native/extension-files.js';
import { renderPostgresConf } from '../../src/engines/native/render.js';

/** --extensions: which names pass, which libraries are preloaded, and how instance.conf keeps them. */
const instance: Instance = {
  name: 'app',
  engine: 'docker',
  image: 'postgres:17-alpine',
  version: '17',
  port: 5440,
  host: '127.0.0.1',
  user: 'vrooli',
  password: new Secret('s3cret-Pass_word'),
  database: 'vrooli',
  template: 'development',
  created: '2026-01-02T03:04:05.000Z',
  desiredState: 'running',
  extra: {},
};
const where = { home: '/h', name: 'app' };
const confPath = '/h/app/config/instance.conf';

describe('--extensions names', () => {
  it('splits, trims and drops repeats, keeping order', () => {
    expect(parseExtensionList(' pg_stat_statements, vector,uuid-ossp,vector ')).toEqual([
      'pg_stat_statements',
      'vector',
      'uuid-ossp',
    ]);
  });

  it.each([
    ['', /needs at least one extension name/],
    [',,', /needs at least one extension name/],
    ['Vector', /not an extension name/],
    ['../../etc/x', /not an extension name/],
    ["vector'; drop", /not an extension name/],
    ['a b', /not an extension name/],
    ['x'.repeat(64), /not an extension name/],
    ['pgvector', /the extension is called vector, not pgvector/],
  ])('refuses %j', (text, message) => {
    const err = (() => {
      try {
        parseExtensionList(text);
      } catch (e) {
        return e as CliError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CliError);
    expect(err!.kind).toBe('usage');
    expect(err!.message).toMatch(message);
    expect(err!.hint).toBeTruthy();
  });
});

describe('what must be preloaded', () => {
  it('preloads pg_stat_statements and auto_explain, not contrib that loads on demand', () => {
    expect(preloadLibraries(['pgcrypto', 'pg_stat_statements', 'vector', 'auto_explain', 'hstore'])).toEqual([
      'pg_stat_statements',
      'auto_explain',
    ]);
    expect(preloadLibraries(['vector', 'pg_trgm', 'citext'])).toEqual([]);
  });

  it('keeps what the template preloads and adds each library once', () => {
    expect(preloadSetting(undefined, ['vector'])).toBeUndefined();
    expect(preloadSetting('auto_explain', ['pg_stat_statements', 'auto_explain'])).toBe(
      'auto_explain,pg_stat_statements',
    );
  });

  it('asks for a restart only for a library the running server did not load', () => {
    expect(missingPreloads(['pg_stat_statements', 'vector'], ['pg_stat_statements'])).toEqual([]);
    expect(missingPreloads(['pg_stat_statements', 'auto_explain'], ['pg_stat_statements'])).toEqual(['auto_explain']);
  });

  it('creates every extension except load-only modules, and merges new names after the recorded ones', () => {
    expect(creatable(['auto_explain', 'pg_stat_statements'])).toEqual(['pg_stat_statements']);
    expect(mergeExtensions(['pg_stat_statements'], ['vector', 'pg_stat_statements'])).toEqual([
      'pg_stat_statements',
      'vector',
    ]);
  });

  it('says how to get pgvector on each engine', () => {
    expect(missingHint(['vector'], 'native', '17')).toMatch(/versions install-extension 17 DIR/);
    expect(missingHint(['vector'], 'docker', '17')).toMatch(/pgvector\/pgvector:pg17/);
  });

  it('puts shared_preload_libraries into the native server configuration and the container arguments', () => {
    const conf = renderPostgresConf({
      name: 'app',
      port: 5440,
      host: '127.0.0.1',
      templateName: 'development',
      settings: {},
      socketDir: '/r',
      dataDir: '/d',
      confDir: '/c',
      extensions: ['pg_stat_statements', 'vector'],
    });
    expect(conf).toMatch(/^shared_preload_libraries = 'pg_stat_statements'$/m);
    const none = renderPostgresConf({
      name: 'app',
      port: 5440,
      host: '127.0.0.1',
      templateName: 'development',
      settings: {},
      socketDir: '/r',
      dataDir: '/d',
      confDir: '/c',
    });
    expect(none).not.toMatch(/shared_preload_libraries/);
    const cmd = containerSpec({ ...instance, extensions: ['pg_stat_statements'] }, '/h').Cmd ?? [];
    expect(cmd).toContain('shared_preload_libraries=pg_stat_statements');
    expect((containerSpec(instance, '/h').Cmd ?? []).join(' ')).not.toMatch(/shared_preload_libraries/);
  });
});

describe('instance.conf extensions', () => {
  it('round-trips the list', () => {
    const text = serializeInstanceConf({ ...instance, extensions: ['pg_stat_statements', 'uuid-ossp'] });
    expect(text).toMatch(/^extensions="pg_stat_statements,uuid-ossp"$/m);
    expect(parseInstanceConf(text, confPath, where).extensions).toEqual(['pg_stat_statements', 'uuid-ossp']);
    expect(parseInstanceConf(serializeInstanceConf(instance), confPath, where).extensions).toBeUndefined();
  });

  it.each([
    ['pg_stat_statements,,vector', /not an extension name/],
    ["pg_stat_statements,x'y", /not an extension name/],
    ['a,A', /not an extension name/],
    ['vector,vector', /names one twice/],
    ['pg_stat_statements, vector', /not an extension name/],
  ])('refuses extensions=%j with its line', (value, message) => {
    const text = serializeInstanceConf({ ...instance, extensions: ['x'] }).replace(
      'extensions="x"',
      `extensions="${value}"`,
    );
    const line = text.split('\n').findIndex((l) => l.startsWith('extensions=')) + 1;
    expect(() => parseInstanceConf(text, confPath, where)).toThrow(new RegExp(`instance.conf:${line}: .*`));
    expect(() => parseInstanceConf(text, confPath, where)).toThrow(message);
  });
});

describe("an image's extensions", () => {
  it('reads the helper container listing, and gives up on an empty one', () => {
    const text = 'share /usr/share/postgresql/17/extension\next vector\next citext\nlib auto_explain\nlib vector\n';
    expect(parseListing(text, 'img:17')).toEqual({
      extensions: ['citext', 'vector'],
      libraries: ['auto_explain', 'vector'],
      where: 'image img:17, /usr/share/postgresql/17/extension',
    });
    expect(parseListing('share /x\n', 'img')).toBeUndefined();
  });
});

describe('where an installation keeps extensions', () => {
  it('looks beside the programs, and in /usr/share for Debian', () => {
    expect(extensionDirs('/rt/17/bin').share[0]).toBe('/rt/17/share/postgresql/extension');
    expect(extensionDirs('/rt/17/bin').lib[0]).toBe('/rt/17/lib/postgresql');
    expect(extensionDirs('/usr/lib/postgresql/16/bin').share[0]).toBe('/usr/share/postgresql/16/extension');
  });
});

describe('CREATE EXTENSION refused to the application role', () => {
  it('keeps the server message and names the way that works', () => {
    const refused = new CliError('failed', '<argument>:1: ERROR:  permission denied to create extension "vector"', {
      hint: 'Must be superuser to create this extension.',
    });
    const e = withExtensionHint(refused, 'app') as CliError;
    expect(e.message).toBe(refused.message);
    expect(e.hint).toMatch(/Must be superuser.*manage start --instance app --extensions vector/);
    const unloaded = new CliError(
      'failed',
      '<argument>:1: ERROR:  pg_stat_statements must be loaded via "shared_preload_libraries"',
    );
    expect((withExtensionHint(unloaded, 'app') as CliError).hint).toMatch(
      /manage start --instance app --extensions pg_stat_statements \(preloads it/,
    );
    const other = new CliError('failed', 'ERROR: syntax error');
    expect(withExtensionHint(other, 'app')).toBe(other);
  });
});
