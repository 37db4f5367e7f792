import { docker } from './docker/index.js';
import { dockerCrun } from './docker-crun/index.js';
import { fake, fakeVm } from './fake/index.js';
import { lxc } from './lxc/index.js';
import { native } from './native/index.js';
import { podman } from './podman/index.js';
import { qemu } from './qemu/index.js';
import { qemuMicrovm } from './qemu-microvm/index.js';
import { vagrant } from './vagrant/index.js';

/**
 * Every runtime twinbench can drive, in the order reports list them (the baseline first, then by kind).
 * Adding a runtime = its folder, one line here, and documentation: everything else loops over this.
 */
export const runtimeTable = [
  native,
  docker,
  dockerCrun,
  podman,
  lxc,
  qemu,
  qemuMicrovm,
  vagrant,
  fake,
  fakeVm,
] as const;

/** One entry of the table. */
export type TableRuntime = (typeof runtimeTable)[number];

/** The name of a runtime this build can run: what `--runtimes` and suite files accept (results carry any string). */
export type TableRuntimeName = TableRuntime['name'];

/** Every name, hidden ones included (what `--runtimes` and suite files accept). */
export function allRuntimeNames(): readonly TableRuntimeName[] {
  return runtimeTable.map((runtime) => runtime.name);
}

/** The names `--help`, doctor and error messages list (not the fake ones). */
export function visibleRuntimeNames(): readonly TableRuntimeName[] {
  return runtimeTable.filter((runtime) => !('hidden' in runtime && runtime.hidden)).map((runtime) => runtime.name);
}

/** The descriptor of a runtime; undefined for a name no table entry has (a result file from elsewhere). */
export function runtimeByName(name: string): TableRuntime | undefined {
  return runtimeTable.find((runtime) => runtime.name === name);
}

/** The descriptors of `names`, in the table's order. */
export function runtimesNamed(names: readonly string[]): TableRuntime[] {
  return runtimeTable.filter((runtime) => names.includes(runtime.name));
}

/** The runtimes `bench density` can start many of at once. */
export function densityRuntimeNames(): readonly TableRuntimeName[] {
  return runtimeTable.filter((runtime) => runtime.density === true).map((runtime) => runtime.name);
}
