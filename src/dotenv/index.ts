/**
 * The dotenv engine of envsync: a lossless parser following the `dotenv` package's
 * dialect, a format-preserving writer, minimal quoting and opt-in expansion.
 * See docs/DOTENV.md for the dialect and the differences from dotenv.
 */
export { parse, parseDocument, parseValues } from "./parser.js";
export type {
  DotenvDocument,
  DotenvWarning,
  ParseOptions,
  ParsedDotenv,
  ParsedValues,
} from "./parser.js";
export { applyChanges, formatDotenv } from "./writer.js";
export type { DotenvChanges } from "./writer.js";
export { quoteValue } from "./quote.js";
export { expandValues } from "./expand.js";
