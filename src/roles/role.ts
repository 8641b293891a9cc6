/**
 * The roles' one lifecycle. A role is an actor: it reads the log broker and the meta store,
 * writes to them, and knows no other role. `standalone.ts` starts them in one process.
 */
export interface Role {
  readonly name: string;
  start(): Promise<void>;
  /** Stops consuming and frees what the role holds; the log and the catalog stay. */
  stop(): Promise<void>;
}
