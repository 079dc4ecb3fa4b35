/**
 * Writes to stdout and stderr without building `process.stdout`/`process.stderr` while
 * the fd takes each text whole: a file, /dev/null, a terminal or a pipe with room get it
 * from `fs.writeSync` (creating the stream loads Node's stream modules, a noticeable
 * share of a short command's start-up). From the first write that the fd does not take
 * at once (EAGAIN: a full non-blocking pipe), this and every later text to that fd go
 * through the stream, which queues; the order of the texts is kept.
 *
 * A reader that went away (`envsync export | head -1`, `sync | true`: EPIPE) closes that
 * fd for the rest of the run: later texts are dropped, nothing is thrown or printed,
 * and the command ends with the exit code of its own work, as `cat` and `git` do
 * (docs/RELIABILITY.md, "Pipes").
 */
import { writeSync } from "node:fs";
import { terminalText } from "./safe-text.js";

const viaStream = { 1: false, 2: false };
const closed = { 1: false, 2: false };

/** True for the error a write gets when nobody reads the other end any more. */
function isGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

/** The stream of `fd`, with an error listener that closes the fd instead of crashing. */
function streamOf(fd: 1 | 2): NodeJS.WriteStream {
  const s = fd === 1 ? process.stdout : process.stderr;
  if (!viaStream[fd]) {
    viaStream[fd] = true;
    // Any error of a standard stream ends our use of it: there is nowhere left to report
    // it on that fd, and an unhandled 'error' would print a stack trace.
    s.on("error", () => {
      closed[fd] = true;
    });
  }
  return s;
}

function write(fd: 1 | 2, text: string): void {
  if (closed[fd]) return;
  if (viaStream[fd]) {
    streamOf(fd).write(text);
    return;
  }
  const bytes = Buffer.from(text, "utf8");
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } catch (e) {
    if (isGone(e)) {
      closed[fd] = true;
      return;
    }
    streamOf(fd).write(bytes.subarray(done));
  }
}

/** Writes `text` to stdout (see the module comment). */
export function writeStdout(text: string): void {
  write(1, text);
}

/**
 * Writes `text` to stderr (see the module comment). Stderr carries only human text, so
 * every text is made safe for a terminal here ({@link terminalText}).
 */
export function writeStderr(text: string): void {
  write(2, terminalText(text));
}
