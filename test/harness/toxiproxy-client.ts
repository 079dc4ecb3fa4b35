/**
 * A small client of toxiproxy's HTTP API (test/harness/emulators/toxiproxy.ts):
 * proxies in front of an emulator's port, and toxics added and removed around a step.
 */
import { requireEnv } from "./require-env.js";

/** The toxics the reliability suite uses, with their toxiproxy attributes. */
export type ToxicSpec =
  | { type: "latency"; attributes: { latency: number; jitter?: number } }
  | { type: "timeout"; attributes: { timeout: number } }
  | { type: "reset_peer"; attributes: { timeout: number } }
  | { type: "limit_data"; attributes: { bytes: number } };

/** One proxy: `listen` is the `host:port` clients connect to instead of the upstream. */
export interface Proxy {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
}

/** A client of one toxiproxy server. */
export class Toxiproxy {
  constructor(readonly api: string = requireEnv("ENVSYNC_TEST_TOXIPROXY_API", "toxiproxy")) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.api}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** Creates (or replaces) a proxy listening on a free 127.0.0.1 port in front of `upstream`. */
  async createProxy(name: string, upstream: string): Promise<Proxy> {
    await this.call("DELETE", `/proxies/${name}`).catch(() => undefined);
    const p = (await this.call("POST", "/proxies", {
      name,
      listen: "127.0.0.1:0",
      upstream,
      enabled: true,
    })) as { listen: string };
    return { name, listen: p.listen, upstream };
  }

  /** Adds a toxic to a proxy (downstream: server → client, unless said otherwise). */
  async addToxic(
    proxy: string,
    name: string,
    spec: ToxicSpec,
    stream: "downstream" | "upstream" = "downstream",
  ): Promise<void> {
    await this.call("POST", `/proxies/${proxy}/toxics`, {
      name,
      type: spec.type,
      stream,
      toxicity: 1,
      attributes: spec.attributes,
    });
  }

  /** Removes a toxic (no error when it is gone already). */
  async removeToxic(proxy: string, name: string): Promise<void> {
    await this.call("DELETE", `/proxies/${proxy}/toxics/${name}`).catch(() => undefined);
  }

  /** Removes every toxic of a proxy. */
  async clearToxics(proxy: string): Promise<void> {
    const list = (await this.call("GET", `/proxies/${proxy}/toxics`)) as { name: string }[];
    for (const t of list) await this.removeToxic(proxy, t.name);
  }

  /** Enables or disables a proxy: disabled, it closes connections and refuses new ones. */
  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    await this.call("POST", `/proxies/${proxy}`, { enabled });
  }

  /** Deletes a proxy. */
  async deleteProxy(name: string): Promise<void> {
    await this.call("DELETE", `/proxies/${name}`).catch(() => undefined);
  }
}
