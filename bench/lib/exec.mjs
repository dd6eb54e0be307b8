// Child processes for the bench: argv only (no shell), output captured, failures loud.
import { spawn } from 'node:child_process';

/** Runs a program; resolves { code, stdout, stderr }; rejects only if it cannot start. */
export function exec(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Like exec, but a non-zero exit is an error that shows the command and its output. */
export async function must(file, args, opts = {}) {
  const res = await exec(file, args, opts);
  if (res.code !== 0 && !(opts.okCodes ?? []).includes(res.code)) {
    throw new Error(
      `${file} ${args.join(' ')} exited ${res.code}:\n${(res.stderr || res.stdout).trim().split('\n').slice(-15).join('\n')}`,
    );
  }
  return res;
}
