/** A cleanup action registered at the moment its resource is created. */
interface CleanupTask {
  readonly label: string;
  readonly run: () => Promise<void> | void;
}

/**
 * LIFO registry of cleanups. Every container, VM, cgroup and temp path registers here when it is
 * created and unregisters when it is removed normally; on Ctrl-C or a crash `runAll` removes the rest.
 */
class CleanupRegistry {
  readonly #tasks = new Map<number, CleanupTask>();
  #nextId = 0;
  #running: Promise<string[]> | undefined;

  /** Register a cleanup; returns a function that runs it now (once) and unregisters it. */
  register(label: string, run: () => Promise<void> | void): () => Promise<void> {
    const id = this.#nextId++;
    this.#tasks.set(id, { label, run });
    return async () => {
      const task = this.#tasks.get(id);
      if (!task) return;
      this.#tasks.delete(id);
      await task.run();
    };
  }

  /** Labels of what is still registered, newest first. */
  pending(): string[] {
    return [...this.#tasks.values()].map((task) => task.label).reverse();
  }

  /** Run every registered cleanup, newest first; never throws, returns the failures as lines. */
  runAll(): Promise<string[]> {
    // A second Ctrl-C must not start a second, overlapping pass that trips over half-removed state.
    this.#running ??= this.#runAllOnce();
    return this.#running;
  }

  async #runAllOnce(): Promise<string[]> {
    const failures: string[] = [];
    const ids = [...this.#tasks.keys()].reverse();
    for (const id of ids) {
      const task = this.#tasks.get(id);
      if (!task) continue;
      this.#tasks.delete(id);
      try {
        await task.run();
      } catch (error) {
        failures.push(`${task.label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.#running = undefined;
    return failures;
  }
}

/** The process-wide registry used by the CLI. */
export const cleanup = new CleanupRegistry();
