// Programs run with a file as standard output or input, as a shell redirect would (backup bench baselines).
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';

/** Runs a program with its stdout written to the file `out`; rejects on a non-zero exit. */
export function toFile(file, argv, out) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.pipe(createWriteStream(out));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${argv.join(' ')}: exit ${code}\n${err}`)),
    );
  });
}

/** Runs a program reading the file `input` on stdin; rejects on a non-zero exit. */
export function fromFile(file, argv, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    createReadStream(input).pipe(child.stdin);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${argv.join(' ')}: exit ${code}\n${err}`)),
    );
  });
}
