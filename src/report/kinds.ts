import type { RuntimeKind } from '../host/envelope.js';
import type { ResultFile } from '../results/types.js';
import { allRuntimeNames } from '../runtimes/table.js';

/**
 * How reports see a result's runtimes: by the kind and label each record carries (not by name), listed in
 * the runtime table's order (the baseline first), with names this build does not know after, by name.
 */
export function runtimesOf(result: Pick<ResultFile, 'runtimes'>): string[] {
  const order = allRuntimeNames() as readonly string[];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return Object.keys(result.runtimes).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A runtime's kind as its record says. */
export function kindOf(result: Pick<ResultFile, 'runtimes'>, name: string): RuntimeKind | undefined {
  return result.runtimes[name as keyof ResultFile['runtimes']]?.kind;
}

/** How reports name a runtime: its record's label, else its name. */
export function labelOf(result: Pick<ResultFile, 'runtimes'>, name: string): string {
  return result.runtimes[name as keyof ResultFile['runtimes']]?.label ?? name;
}

/** The runtimes of one kind, in report order. */
export function runtimesOfKind(result: Pick<ResultFile, 'runtimes'>, kind: RuntimeKind): string[] {
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
  return vm !== undefined && result.runtimes[vm as keyof ResultFile['runtimes']]?.emulated === true;
}
