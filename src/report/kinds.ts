import type { RuntimeKind } from '../host/envelope.js';
import type { ResultFile } from '../results/types.js';

/**
 * How reports see a result's runtimes: by the kind and label each record carries (not by name), in the order
 * the run recorded them, which is the runtime table's (the baseline first: prepare-backends.ts fills the
 * records from the table). Reports take it from the file, so they need not know the table, and a file from
 * another build lists its runtimes as that build did.
 */
export function runtimesOf(result: Pick<ResultFile, 'runtimes'>): string[] {
  return Object.keys(result.runtimes);
}

/** A runtime's kind as its record says. */
export function kindOf(result: Pick<ResultFile, 'runtimes'>, name: string): RuntimeKind | undefined {
  return result.runtimes[name]?.kind;
}

/** How reports name a runtime: its record's label, else its name. */
export function labelOf(result: Pick<ResultFile, 'runtimes'>, name: string): string {
  return result.runtimes[name]?.label ?? name;
}

/** The runtimes of one kind, in report order. */
function runtimesOfKind(result: Pick<ResultFile, 'runtimes'>, kind: RuntimeKind): string[] {
  return runtimesOf(result).filter((name) => kindOf(result, name) === kind);
}

/**
 * The reference runtime of a kind: the first of it in report order (the native baseline; Docker among
 * containers; QEMU among VMs). Cost factors and claims judge the others against it.
 */
export function referenceOf(result: Pick<ResultFile, 'runtimes'>, kind: RuntimeKind): string | undefined {
  return runtimesOfKind(result, kind)[0];
}

/** Whether the VMs of this result ran emulated (TCG): the reference VM's record says. */
export function vmEmulated(result: Pick<ResultFile, 'runtimes'>): boolean {
  const vm = referenceOf(result, 'vm');
  return vm !== undefined && result.runtimes[vm]?.emulated === true;
}

/** A runtime as tables name it: its kind, then its label (`VM: QEMU`, `container: Docker (runc)`, `native`). */
export function shown(result: Pick<ResultFile, 'runtimes'>, name: string): string {
  const kind = kindOf(result, name);
  return kind === 'native' ? labelOf(result, name) : `${kind === 'vm' ? 'VM' : 'container'}: ${labelOf(result, name)}`;
}
