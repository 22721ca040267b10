/** One public entry point. */
export interface Entry {
  /** Its TypeScript source. */
  input: string;
  /** Its key in `exports`; `./<name>` when absent. */
  subpath?: string;
  /** Node-only: built apart from the browser entries, Node built-ins external. */
  node?: boolean;
}
export const entries: Record<string, Entry>;
export const assets: Record<string, string>;
export function subpathOf(name: string, entry: Entry): string;
