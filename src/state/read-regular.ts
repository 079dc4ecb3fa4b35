/**
 * The one way envsync reads a local file that holds values (`.env`, a `file:` remote,
 * the files of the sops: and dotenvx: stores): opened without blocking and read only
 * when it is a regular file, so a FIFO, socket, device or folder in its place fails at
 * once instead of blocking or streaming forever; a dangling symbolic link is an error,
 * never an absent file (reading it as empty would delete every key). Synchronous
 * calls: one file, read before anything else runs (node:fs/promises costs start-up).
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  statSync,
  type Stats,
} from "node:fs";
import { EnvsyncError } from "../errors.js";
import { danglingLinkError } from "./atomic-write.js";

/** Thrown by {@link readRegularFile} for a path that is not a regular file. */
export class NotRegularFileError extends Error {
  constructor(
    readonly path: string,
    /** What the path is, for messages: "a folder", "a FIFO (named pipe)"… */
    readonly kind: string,
  ) {
    super(`${path} is ${kind}, not a regular file`);
  }
}

/** What a path that is not a regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return "a folder";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "another kind of file";
}

/**
 * The bytes of the regular file `path`, or null when nothing is there. Throws the
 * dangling-link error (EnvsyncError, exit 1), a {@link NotRegularFileError}, or the
 * system's error (EACCES…) for the caller to word.
 */
export async function readRegularFile(path: string): Promise<Buffer | null> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      const dangling = await danglingLinkError(path);
      if (dangling) throw dangling;
      return null;
    }
    // A socket cannot be opened (ENXIO), a folder may refuse O_RDONLY elsewhere: say what it is.
    let st: Stats | undefined;
    try {
      st = statSync(path);
    } catch {
      // the open's error says it
    }
    if (st && !st.isFile()) throw new NotRegularFileError(path, kindOf(st));
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new NotRegularFileError(path, kindOf(st));
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Decodes UTF-8 strictly: invalid bytes are a PARSE error naming the line, never
 * silently replaced (a replaced byte would be pushed as a different value). Used for
 * every file envsync reads text from: `.env`, a `file:` remote, `envsync.yaml`.
 */
export function decodeUtf8(bytes: Buffer, displayName: string): string {
  const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    return strict.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl === -1 ? bytes.length : nl;
      try {
        strict.decode(bytes.subarray(start, end));
      } catch {
        break;
      }
      if (nl === -1) break;
      line++;
      start = nl + 1;
    }
    throw new EnvsyncError("PARSE", `${displayName}:${line}: not valid UTF-8 text.`, {
      hint: "Save the file as UTF-8 (envsync transports values byte for byte and will not guess an encoding).",
      location: { file: displayName, line },
    });
  }
}
