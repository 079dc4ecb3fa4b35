/**
 * An in-memory store (`memory://NAME`), shared within one process. Tests only: it is
 * not in the product's scheme table; a test calls {@link registerMemoryStore} first.
 * It honours the same contract as every other store.
 */
import { EnvsyncError } from "../../src/errors.js";
import { registerScheme } from "../../src/providers/registry.js";
import type {
  ChangeSet,
  ProviderModule,
  RemoteSnapshot,
  Store,
  VersionInfo,
  WriteResult,
} from "../../src/providers/types.js";
import type { RemoteUri } from "../../src/providers/uri.js";

interface Remote {
  exists: boolean;
  version: number;
  values: Map<string, string>;
  history: { id: string; at: Date; values: Map<string, string> }[];
}

const remotes = new Map<string, Remote>();

class MemoryStore implements Store {
  readonly scheme = "memory";
  readonly layout = "bundle" as const;
  readonly rules = { maxValueBytes: Number.POSITIVE_INFINITY, nameRule: "any key" };
  readonly display: string;
  constructor(private readonly name: string) {
    this.display = `memory://${name}`;
  }

  private remote(): Remote {
    let r = remotes.get(this.name);
    if (!r) {
      r = { exists: false, version: 0, values: new Map(), history: [] };
      remotes.set(this.name, r);
    }
    return r;
  }

  read(): Promise<RemoteSnapshot> {
    const r = this.remote();
    return Promise.resolve({
      exists: r.exists,
      values: new Map(r.values),
      version: r.exists ? String(r.version) : null,
      keyVersions: new Map(),
    });
  }

  validate(): void {}

  write(changes: ChangeSet, expected: RemoteSnapshot): Promise<WriteResult> {
    const r = this.remote();
    const current = r.exists ? String(r.version) : null;
    if (current !== expected.version) {
      return Promise.reject(
        new EnvsyncError("REMOTE_CHANGED", `${this.display} changed since it was read.`, {
          hint: "Run the command again: envsync merges the other change.",
        }),
      );
    }
    for (const k of changes.delete) r.values.delete(k);
    for (const [k, v] of changes.set) r.values.set(k, v);
    r.exists = true;
    r.version++;
    r.history.unshift({ id: String(r.version), at: new Date(), values: new Map(r.values) });
    return Promise.resolve({ version: String(r.version), writeCalls: 1 });
  }

  listVersions(): Promise<VersionInfo[]> {
    const r = this.remote();
    return Promise.resolve(
      r.history.map((h, i) => ({
        id: h.id,
        createdAt: h.at,
        keyCount: h.values.size,
        current: i === 0,
      })),
    );
  }

  readVersion(id: string): Promise<RemoteSnapshot> {
    const h = this.remote().history.find((x) => x.id === id);
    if (!h)
      return Promise.reject(
        new EnvsyncError("NOT_FOUND", `${this.display} has no version ${id}.`, {
          hint: "List versions with envsync history.",
        }),
      );
    return Promise.resolve({
      exists: true,
      values: new Map(h.values),
      version: h.id,
      keyVersions: new Map(),
    });
  }
}

/** Builds a memory store. */
export const createStore: ProviderModule["createStore"] = (uri: RemoteUri) =>
  new MemoryStore(uri.target);

/** Makes `memory://NAME` openable through the registry (idempotent). */
export function registerMemoryStore(): void {
  registerScheme("memory", {
    load: () => Promise.resolve({ createStore }),
    hooks: {
      example: "memory://NAME (tests)",
      capabilities: () => ({ versions: true, softDelete: false, compareAndSwap: true }),
    },
  });
}
