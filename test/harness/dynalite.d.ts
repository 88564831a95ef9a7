// dynalite ships no types; this is the part the harness uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    /** LevelDB folder; in memory when omitted. */
    path?: string;
    verbose?: boolean;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}
