/** One row of the benchmark table: a side-by-side comparison measured in the same run. */
export interface BenchRow {
  /** What is compared, e.g. "parse 100k keys: envsync vs dotenv.parse". */
  readonly name: string;
  /** Our figure, formatted (e.g. "41.2 ms (40.1–43.0)"). */
  readonly ours: string;
  /** The baseline's figure, formatted. */
  readonly baseline: string;
  /** Ratio as a display string, e.g. "2.31× faster" or "1.12×". */
  readonly ratio: string;
  /** The goal, e.g. "≥ 1.5× faster". */
  readonly goal: string;
  /** Whether the goal is met (undefined: no goal). */
  readonly met?: boolean;
  /** Extra notes (call counts, RSS). */
  readonly note?: string;
}

/** A bench module (`bench/*.bench.ts`) exports `run`. */
export type BenchModule = { run(): Promise<BenchRow[]> };
