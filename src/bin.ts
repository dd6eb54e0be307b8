import { trace } from './core/trace.js';
import { main } from './main.js';

trace.mark('modules loaded, main called');

// No top-level await: the single executable is a CommonJS bundle of this same entry.
void main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdinIsTTY: Boolean(process.stdin.isTTY),
  stdin: process.stdin,
}).then((code) => {
  // Exit explicitly (keep-alive sockets must not hold the process), once both pipes have drained.
  process.stdout.write('', () =>
    process.stderr.write('', () => {
      trace.mark(`exit ${code}`);
      process.exit(code);
    }),
  );
});
