/**
 * The bad inputs reliability-bad-input refuses, as data: instance names, the verbs that take
 * one, malformed flags and values, and damages to an instance.conf. Kept apart so the suite
 * file holds the cases' checks, not their tables.
 */

const LONG = 'a'.repeat(51);
export const BAD_NAMES: Array<[string, string]> = [
  ['../x', '"../x"'],
  ['a/b', '"a/b"'],
  ['a b', '"a b"'],
  ['x;rm -rf /', '"x;rm -rf /"'],
  [LONG, `"${LONG}"`],
  ['', '--instance'],
  ['dätabase', '"dätabase"'],
  ['名前', '"名前"'],
];

/** Every verb that takes an instance name. */
export const VERBS = [
  ['status'],
  ['logs'],
  ['credentials'],
  ['manage', 'stop'],
  ['manage', 'restart'],
  ['manage', 'uninstall', '--force'],
  ['manage', 'install'],
];

/** Unknown verbs and flags, missing and bad values: each with what the error must mention. */
export const flagCases = (keepName: string): Array<[string[], string]> => [
  [['bogus'], 'bogus'],
  [['manage', 'bogus'], 'bogus'],
  [['manage', 'start', '--bogus'], '--bogus'],
  [['status', '--no-such-flag'], '--no-such-flag'],
  [['status', '--frob=1'], '--frob'],
  [['manage', 'start', '-z'], '-z'],
  [['manage', 'start', '--instance'], '--instance'],
  [['manage', 'start', '--instance', '--force'], '--instance'],
  [['manage', 'start', '--port'], '--port'],
  [['manage', 'start', '--template'], '--template'],
  [['manage', 'start', '--engine'], '--engine'],
  [['manage', 'start', '--timeout'], '--timeout'],
  [['logs', '--tail'], '--tail'],
  [['status', '--format'], '--format'],
  [['status', '--home'], '--home'],
  [['manage', 'start', '--engine', 'vm'], '"vm"'],
  [['credentials', '--format', 'xml'], '"xml"'],
  [['manage', 'start', '--instance', 'fresh', '--template', 'turbo'], '"turbo"'],
  [['manage', 'start', '--timeout', 'abc'], '"abc"'],
  [['manage', 'stop', '--timeout', '-5'], '"-5"'],
  [['logs', '--instance', keepName, '--since', 'yesterday'], '"yesterday"'],
  [['test', 'bogus'], '"bogus"'],
];

/** The text with key set to value: its line replaced, or one added. */
const setKey = (t: string, key: string, value: string) =>
  new RegExp(`^${key}=`, 'm').test(t)
    ? t.replace(new RegExp(`^${key}=".*"$`, 'm'), `${key}="${value}"`)
    : `${t}${key}="${value}"\n`;

/** Damages to an instance.conf: what is done to its text, and what the refusal must say. */
export const CONF_DAMAGES: Array<[string, (t: string) => string, RegExp]> = [
  ['truncated mid-line', (t) => t.slice(0, t.indexOf('password="') + 14), /instance\.conf:\d+: cannot read/],
  ['with a port that is not a number', (t) => t.replace(/^port=".*"$/m, 'port="54x3"'), /port must be a number/],
  ['with an unknown engine', (t) => t.replace(/^engine=".*"$/m, 'engine="vm"'), /engine must be docker or native/],
  ['without a password', (t) => t.replace(/^password=".*"\n/m, ''), /missing password/],
  // Values the program acts on as root: refused on read, never acted on.
  ['with data_dir outside the managed roots', (t) => setKey(t, 'data_dir', '/etc'), /data_dir must lie in/],
  ['with a relative pg_bin', (t) => setKey(t, 'pg_bin', 'bin/../../usr/bin'), /pg_bin must be a plain absolute path/],
  [
    'with a port outside 5433-5499',
    (t) => t.replace(/^port=".*"$/m, 'port="22"'),
    /port must be a number in 5433-5499/,
  ],
  ['with a key set twice', (t) => `${t}port="5499"\n`, /port is set twice/],
];
