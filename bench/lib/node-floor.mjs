// The floor of any node client for a script of one statement per line: connect with pg (for
// the authentication), then take its socket over and send each line as one simple Query
// message as soon as the server says ReadyForQuery, parsing nothing else. What is left is
// node's own cost per round trip (its event loop, the socket, the kernel), which the
// executor cannot go below without pipelining (which would change psql's semantics).
//
//   PGHOST=... PGPORT=... PGUSER=... PGPASSWORD=... PGDATABASE=... node bench/lib/node-floor.mjs FILE
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const pg = createRequire(import.meta.url)('pg');
const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const client = new pg.Client();
await client.connect();
const socket = client.connection.stream;
socket.removeAllListeners('data');
let next = 0;
let pending = Buffer.alloc(0);

function send() {
  if (next >= lines.length) {
    socket.end();
    process.exit(0);
  }
  const text = Buffer.from(`${lines[next++]}\0`);
  const message = Buffer.allocUnsafe(5 + text.length);
  message[0] = 0x51; // 'Q'
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  socket.write(message);
}

socket.on('data', (data) => {
  pending = pending.length ? Buffer.concat([pending, data]) : data;
  // Walk the complete messages: an ErrorResponse fails the run, ReadyForQuery sends the next line.
  let at = 0;
  let ready = false;
  while (pending.length - at >= 5) {
    const length = pending.readInt32BE(at + 1);
    if (pending.length - at < 1 + length) break;
    if (pending[at] === 0x45) {
      process.stderr.write(`error at line ${next}: ${pending.subarray(at + 5, at + 1 + length).toString()}\n`);
      process.exit(1);
    }
    if (pending[at] === 0x5a) ready = true;
    at += 1 + length;
  }
  pending = pending.subarray(at);
  if (ready) send();
});
send();
