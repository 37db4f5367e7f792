import type { HostEndpoint } from '../contract/backend.js';
import type { ImageLoad } from '../config/workload-manifest.js';

/** What a host client gets: where the guest's ports are, the workload's params, and the trial's signal. */
export interface HostClientContext {
  readonly endpoints: ReadonlyMap<string, HostEndpoint>;
  readonly params: Readonly<Record<string, string | number>>;
  readonly signal: AbortSignal;
  /** Keep a tool's raw output with the trial (`source` like `host.iperf3.rx`). */
  readonly keepEvidence?: (source: string, text: string) => void;
  /** `bench all --image`: the load the user asked for. */
  readonly load?: ImageLoad;
}

/** The endpoint of a named port, or an error naming it. */
export function endpointOf(context: HostClientContext, name: string): HostEndpoint {
  const endpoint = context.endpoints.get(name);
  if (!endpoint) throw new Error(`the backend gave no host endpoint for guest port "${name}"`);
  return endpoint;
}

/** A positive number param, with a default. */
export function numberParam(context: HostClientContext, key: string, fallback: number): number {
  const value = Number(context.params[key] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
