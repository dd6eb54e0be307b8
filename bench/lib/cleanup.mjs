// Everything the bench creates registers how to remove it; the list runs in reverse at the
// end, on failure and on Ctrl-C, so no instance, container, volume or cluster is left behind.
const actions = [];
let running;

export function onCleanup(label, fn) {
  const entry = { label, fn };
  actions.push(entry);
  return () => {
    const i = actions.indexOf(entry);
    if (i >= 0) actions.splice(i, 1);
  };
}

/** Runs (and forgets) every registered action, newest first; each failure is reported, none stops the rest. */
export function cleanupAll() {
  running ??= (async () => {
    while (actions.length > 0) {
      const { label, fn } = actions.pop();
      try {
        await fn();
      } catch (e) {
        console.error(`cleanup: ${label}: ${e.message}`);
      }
    }
    running = undefined;
  })();
  return running;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up before exit`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.once(event, (e) => {
    console.error(`\n${event}: ${e?.stack ?? e}; cleaning up before exit`);
    void cleanupAll().finally(() => process.exit(1));
  });
}
