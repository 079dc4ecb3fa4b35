/**
 * Redaction: what envsync shows about URIs and remote content. Credentials in any part
 * of a URL (`user:password@`, tokens and signatures in the query) are replaced by
 * `***` wherever a URI is displayed, logged, stored as a state key or put in an error;
 * a remote's unreadable content is described by line and column only.
 */

/** Query parameters whose values are safe to show (everything else is masked). */
const SHOWN_PARAMS = new Set(["region", "profile", "api-version", "case", "unmanaged"]);

/** What replaces a hidden credential. */
export const MASK = "***";

/**
 * An endpoint URL with its credentials hidden: userinfo becomes `***@`, and every query
 * value but `region`, `profile`, `api-version` becomes `***`. Text that is not a URL
 * is returned with {@link redactText} applied.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactText(url);
  }
  if (!u.host) return redactText(url);
  const auth = u.username || u.password ? `${MASK}@` : "";
  const query = [...u.searchParams]
    .map(([k, v]) => `${k}=${SHOWN_PARAMS.has(k.toLowerCase()) ? v : MASK}`)
    .join("&");
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(url) ? u.pathname : "";
  return `${u.protocol}//${auth}${u.host}${path}${query ? `?${query}` : ""}${u.hash ? "#" + MASK : ""}`;
}

// `scheme://user:pass@` and `scheme://token@` anywhere in a text.
// The scheme is bounded (real ones are short): unbounded, every letter of a long run of
// letters would start a scan to its end, quadratic in the run (a 100,000-letter URI took
// seconds). A longer scheme still matches by its last 32 characters.
const USERINFO = /([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#@"'<>]+@/gi;
// `user:pass@` without a scheme (a URI's target quoted in a message).
const BARE_USERINFO = /(^|[\s"'(=])[^\s/?#@"'<>:=]+:[^\s/?#@"'<>]+@/g;
// `?x=…` / `&x=…` whose name looks like a credential (a URL inside a sentence).
const SECRET_QUERY =
  /([?&](?:[a-z0-9_.-]*(?:token|secret|password|passwd|pwd|key|sig|signature|credential|auth|code|session)[a-z0-9_.-]*)=)[^&\s#"'<>]*/gi;

/**
 * Hides URL credentials inside any text (a message, a log line, an SDK error):
 * `scheme://user:pass@host` → `scheme://***@host`, and query values named like
 * credentials (`token=`, `sig=`, `X-Amz-Signature=`, `password=` …) → `***`.
 */
export function redactText(text: string): string {
  return text
    .replace(USERINFO, `$1${MASK}@`)
    .replace(BARE_USERINFO, `$1${MASK}@`)
    .replace(SECRET_QUERY, `$1${MASK}`);
}

/** Line and column (1-based) of `offset` in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Where JSON text that `JSON.parse` rejected goes wrong, as line and column only (the
 * engine's own message quotes the text, which may be a secret). A small RFC 8259
 * scanner: the offset of the first character that cannot continue a JSON text.
 */
export function jsonErrorLocation(text: string): { line: number; column: number } {
  return lineColumn(text, jsonErrorOffset(text));
}

/** Where the scanner stopped (internal control flow of {@link jsonErrorOffset}). */
class JsonStop extends Error {
  constructor(readonly offset: number) {
    super("invalid JSON");
  }
}

function jsonErrorOffset(text: string): number {
  const n = text.length;
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const ws = (): void => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const str = (): void => {
    if (text[i] !== '"') fail();
    i++;
    while (i < n && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail();
      }
      i++;
    }
    if (i >= n) fail();
    i++;
  };
  const num = (): void => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "" || m[0] === "-") fail();
    i += m![0].length;
  };
  const literal = (): void => {
    if (text[i] === '"') return str();
    for (const w of ["true", "false", "null"]) {
      if (text.startsWith(w, i)) {
        i += w.length;
        return;
      }
    }
    num();
  };
  const key = (): void => {
    ws();
    str();
    ws();
    if (text[i] !== ":") fail();
    i++;
  };
  // A loop with a stack of open containers, not recursion: nesting as deep as the text
  // is long must not overflow the call stack.
  const value = (): void => {
    const open: ("{" | "[")[] = [];
    for (;;) {
      ws();
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        ws();
        if (text[i] === (c === "{" ? "}" : "]")) i++;
        else {
          open.push(c);
          if (c === "{") key();
          continue;
        }
      } else literal();
      // A value ended: continue or close the containers it was in.
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return;
        ws();
        if (text[i] === ",") {
          i++;
          if (top === "{") key();
          break;
        }
        if (text[i] !== (top === "{" ? "}" : "]")) fail();
        i++;
        open.pop();
      }
    }
  };
  try {
    value();
    ws();
    if (i < n) fail();
  } catch (e) {
    if (e instanceof JsonStop) return e.offset;
    throw e;
  }
  return n;
}

/**
 * The text of an error as `--verbose` may print it (class, message and stack frames):
 * URL credentials hidden, and a JSON `SyntaxError`'s message — which quotes the text
 * it could not parse — replaced by a neutral one.
 */
export function safeErrorText(err: Error): string {
  const raw = err.stack ?? `${err.name}: ${err.message}`;
  if (
    err instanceof SyntaxError ||
    /not valid JSON|JSON at position|Unexpected token/.test(err.message)
  ) {
    const frames = raw
      .split("\n")
      .filter((l) => /^\s+at /.test(l))
      .join("\n");
    return redactText(`${err.name}: (message withheld: it may quote remote content)\n${frames}`);
  }
  return redactText(raw);
}
