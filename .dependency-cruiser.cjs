/**
 * The import rules of src/ (README "How the code is laid out"). Dependencies point down:
 *   main, bin -> cli -> output -> commands -> context -> core | engines | postgres | system
 *   main -> ui -> commands (the web console: an HTTP face on the same command functions)
 * Skipping a layer downwards is fine; pointing up or sideways between engines, postgres and
 * system is not, and no cycle is allowed (type-only imports count: they are coupling too).
 */
const layer = (name) => `^src/${name}`;
const notIn = (...paths) => ({ pathNot: paths.map((p) => `^src/${p}`) });

const only = (pkg, where, why) => ({
  name: `only-${where.replace(/\W+/g, '-')}-imports-${pkg}`,
  comment: why,
  severity: 'error',
  from: { path: '^src/', pathNot: `^src/${where}` },
  to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer'], path: `^node_modules/${pkg}/` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle ties modules into one unit that cannot be loaded, tested or moved alone.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom',
      comment: 'core/ is the domain: it may import only itself (and the data files it pins).',
      severity: 'error',
      from: { path: layer('core/') },
      to: { path: '^src/', ...notIn('core/') },
    },
    {
      name: 'system-only-core',
      comment: 'system/ wraps the OS outside the home; it knows the domain, nothing above it.',
      severity: 'error',
      from: { path: layer('system/') },
      to: { path: '^src/', ...notIn('core/', 'system/') },
    },
    {
      name: 'postgres-only-core',
      comment: 'postgres/ speaks SQL to a server; it knows instances (core), not engines or commands.',
      severity: 'error',
      from: { path: layer('postgres/') },
      to: { path: '^src/', ...notIn('core/', 'postgres/') },
    },
    {
      name: 'engines-below-commands',
      comment: 'Engines run servers; SQL belongs to postgres/, reached through commands or the context.',
      severity: 'error',
      from: { path: layer('engines/') },
      to: { path: '^src/', ...notIn('core/', 'system/', 'engines/') },
    },
    {
      name: 'context-wires-the-bottom',
      comment: 'The context wires production dependencies; it must not reach up into commands or the CLI.',
      severity: 'error',
      from: { path: '^src/context\\.ts$' },
      to: { path: '^src/', ...notIn('core/', 'system/', 'engines/', 'postgres/', 'context\\.ts$') },
    },
    {
      name: 'commands-never-see-the-cli',
      comment: 'Commands take an options object and return data; argv and printing live above them.',
      severity: 'error',
      from: { path: layer('commands/') },
      to: { path: '^src/(cli|output|ui|main\\.ts|bin\\.ts)' },
    },
    {
      name: 'output-renders-results',
      comment: 'output/ turns command results into text; it runs nothing and parses no argv.',
      severity: 'error',
      from: { path: layer('output/') },
      to: { path: '^src/(cli|ui|engines|postgres|system|context\\.ts|main\\.ts|bin\\.ts)' },
    },
    {
      name: 'cli-parses-only',
      comment: 'cli/ turns argv into options; it never runs commands or renders results.',
      severity: 'error',
      from: { path: layer('cli/') },
      to: { path: '^src/(output|ui|engines|system|context\\.ts|main\\.ts|bin\\.ts)' },
    },
    {
      name: 'ui-calls-commands',
      comment:
        'The web console turns HTTP into calls of the command functions the CLI runs; it never reaches past them (no SQL, engines or argv of its own).',
      severity: 'error',
      from: { path: layer('ui/') },
      to: { path: '^src/(cli|output|engines|postgres|system|main\\.ts|bin\\.ts)' },
    },
    only('dockerode', 'engines/docker/', "Docker API access is the docker engine's job alone."),
    only('execa', 'engines/native/', "Child processes are the native engine's job alone."),
    only('pg', 'postgres/', 'SQL over the wire goes through postgres/ only.'),
    only('pg-copy-streams', 'postgres/', 'SQL over the wire goes through postgres/ only.'),
    only('yargs', 'cli/', 'Flags are parsed in one place; commands never see yargs.'),
    {
      name: 'no-orphans',
      comment: 'A module nothing imports is dead code (or a missing entry point).',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: ['^src/bin\\.ts$', '\\.d\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    // Lazy import()s count: a cycle through a dynamic import is still a cycle.
    exoticRequireStrings: [],
  },
};
