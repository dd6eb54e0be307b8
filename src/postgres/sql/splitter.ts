import {
  BACKSLASH,
  blockCommentStep,
  commentAt,
  copyTerminatorAt,
  countNewlines,
  DOLLAR,
  dollarTagAt,
  DQUOTE,
  isSpace,
  isWordStart,
  LPAREN,
  NL,
  QUOTE,
  RPAREN,
  SEMI,
  wordEnd,
} from './lexing.js';
import { classifyWord } from './words.js';
import { type SqlItem, SplitterState, type State } from './splitter-state.js';

export type { SqlItem } from './splitter-state.js';

/** A word longer than this is data (a huge number), not a keyword: stop carrying it. */
const MAX_CARRIED_WORD = 256;

/**
 * An incremental SQL script splitter (see SqlItem): feed it chunks of any size with push(),
 * then end(); each call hands back the items completed so far.
 */
export class SqlSplitter extends SplitterState {
  push(chunk: string): SqlItem[] {
    this.buf = this.buf.length ? this.buf + chunk : chunk;
    this.scan(false);
    return this.drain();
  }

  /** End of input: whatever is open (a statement without `;`, COPY data) is finished. */
  end(): SqlItem[] {
    this.scan(true);
    if (this.state === 'copy-data' || this.state === 'copy-skip') {
      this.out.push({ kind: 'copy-end', line: this.line });
    } else if (this.state === 'meta') {
      this.out.push({ kind: 'meta', text: this.joined(0).trim(), line: this.stmtLine });
    } else if (this.segStart >= 0) {
      this.emitStatement(0, true);
      if ((this.state as State) === 'copy-skip') this.out.push({ kind: 'copy-end', line: this.line });
    }
    this.reset();
    this.buf = '';
    return this.drain();
  }

  /** Scans buf; stops early when the next decision needs more input than has arrived. */
  private scan(final: boolean): void {
    const b = this.buf;
    const len = b.length;
    let i = 0;
    scan: while (i < len) {
      const c = b.charCodeAt(i);
      switch (this.state) {
        case 'normal': {
          const comment = c === 45 /* - */ || c === 47 /* / */ ? commentAt(b, i, final) : null;
          if (comment === undefined) break scan;
          if (comment) {
            this.state = comment === 'line' ? 'line-comment' : 'block-comment';
            this.commentDepth = 1;
            i += 2;
            continue;
          }
          if (this.segStart < 0) {
            if (isSpace(c)) {
              if (c === NL) this.line++;
              i++;
              continue;
            }
            this.segStart = i;
            this.stmtLine = this.line;
            if (c === BACKSLASH) {
              this.state = 'meta';
              i++;
              continue;
            }
          }
          if (isWordStart(c)) {
            const j = wordEnd(b, i);
            if (j >= len && !final) {
              if (j - i <= MAX_CARRIED_WORD) break scan;
              this.state = 'long-word';
              this.eQuoteNext = classifyWord(this.words, '', this.parenDepth);
              i = j;
              continue;
            }
            this.eQuoteNext = classifyWord(this.words, b.slice(i, j), this.parenDepth);
            i = j;
            continue;
          }
          const afterE = this.eQuoteNext;
          this.eQuoteNext = false;
          if (c === QUOTE) {
            this.state = 'squote';
            this.escapes = afterE;
            i++;
            continue;
          }
          if (c === DQUOTE) {
            this.state = 'dquote';
            i++;
            continue;
          }
          if (c === NL) this.line++;
          else if (c === LPAREN) this.parenDepth++;
          else if (c === RPAREN) {
            if (this.parenDepth > 0) this.parenDepth--;
          } else if (c === DOLLAR) {
            const tag = dollarTagAt(b, i, final);
            if (tag === undefined) break scan;
            if (tag) {
              this.tag = tag;
              this.state = 'dollar';
              i += tag.length;
              continue;
            }
          } else if (c === SEMI && this.parenDepth === 0 && this.words.beginDepth === 0) {
            this.emitStatement(i + 1, false);
          }
          i++;
          continue;
        }
        case 'squote': {
          if (!this.escapes) {
            i = this.skipQuoted(b, i, "'");
            continue;
          }
          if (c === BACKSLASH) {
            if (i + 1 >= len && !final) break scan;
            if (b.charCodeAt(i + 1) === NL) this.line++;
            i += 2;
            continue;
          }
          if (c === NL) this.line++;
          if (c === QUOTE) {
            this.state = 'normal';
            this.eQuoteNext = true;
          }
          i++;
          continue;
        }
        case 'dquote': {
          i = this.skipQuoted(b, i, '"');
          continue;
        }
        case 'dollar': {
          const q = b.indexOf(this.tag, i);
          if (q === -1) {
            // Keep the last tag-length characters: the closing tag may straddle chunks.
            const safe = final ? len : Math.max(i, len - this.tag.length + 1);
            this.line += countNewlines(b, i, safe);
            i = safe;
            if (!final) break scan;
            continue;
          }
          this.line += countNewlines(b, i, q);
          this.state = 'normal';
          i = q + this.tag.length;
          continue;
        }
        case 'line-comment': {
          const q = b.indexOf('\n', i);
          if (q === -1) {
            i = len;
            continue;
          }
          this.state = 'normal';
          this.line++;
          i = q + 1;
          continue;
        }
        case 'block-comment': {
          if (c === NL) {
            this.line++;
            i++;
            continue;
          }
          const step = blockCommentStep(b, i, final);
          if (step === undefined) break scan;
          if (step === 0) {
            i++;
            continue;
          }
          this.commentDepth += step;
          if (this.commentDepth === 0) this.state = 'normal';
          i += 2;
          continue;
        }
        case 'long-word': {
          i = wordEnd(b, i - 1);
          if (i < len) this.state = 'normal';
          continue;
        }
        case 'meta': {
          const q = b.indexOf('\n', i);
          if (q === -1) {
            i = len;
            continue;
          }
          this.out.push({ kind: 'meta', text: this.joined(q).trim(), line: this.stmtLine });
          this.line++;
          this.reset();
          i = q + 1;
          continue;
        }
        case 'copy-skip': {
          // Data starts on the line after the COPY command, as in psql.
          const q = b.indexOf('\n', i);
          if (q === -1) {
            i = len;
            continue;
          }
          this.line++;
          this.state = 'copy-data';
          i = q + 1;
          this.copyDataStart = i;
          this.copyLineStart = true;
          continue;
        }
        case 'copy-data': {
          if (this.copyLineStart && c === BACKSLASH) {
            const end = copyTerminatorAt(b, i, final);
            if (end === undefined) break scan;
            if (end >= 0) {
              this.flushCopyData(i);
              this.out.push({ kind: 'copy-end', line: this.line });
              this.line++;
              this.state = 'normal';
              i = end;
              continue;
            }
          }
          const q = b.indexOf('\n', i);
          if (q === -1) {
            this.copyLineStart = false;
            i = len;
            continue;
          }
          this.line++;
          this.copyLineStart = true;
          i = q + 1;
          continue;
        }
      }
    }
    this.carry(i);
  }
}
