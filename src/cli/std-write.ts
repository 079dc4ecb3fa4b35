/**
 * Writes to stdout and stderr without building `process.stdout`/`process.stderr` while
 * the fd takes each text whole: a file, /dev/null, a terminal or a pipe with room get it
 * from `fs.writeSync` (creating the stream loads Node's stream modules, a noticeable
 * share of a short command's start-up). From the first write that the fd does not take
 * at once (EAGAIN: a full non-blocking pipe) or that fails (EPIPE…), this and every
 * later text to that fd go through the stream, which queues, and reports errors, as
 * before; the order of the texts is kept.
 */
import { writeSync } from "node:fs";
import { terminalText } from "./safe-text.js";

const viaStream = { 1: false, 2: false };

function write(fd: 1 | 2, text: string): void {
  const stream = fd === 1 ? (): NodeJS.WriteStream => process.stdout : () => process.stderr;
  if (viaStream[fd]) {
    stream().write(text);
    return;
  }
  const bytes = Buffer.from(text, "utf8");
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } catch {
    viaStream[fd] = true;
    stream().write(bytes.subarray(done));
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
