import { execa } from 'execa';
import { MissingDependencyError } from '../errors.js';

/** How the host reaches the Docker bridge's subnet, measured with `ip route get`, not read from Docker's API. */
export interface BridgeRoute {
  /** The bridge's subnet as Docker reports it (a required field of its IPAM config), e.g. `172.17.0.0/16`. */
  readonly subnet: string;
  /** The host interface the kernel routes that subnet through, e.g. `docker0`. */
  readonly device: string;
  /** The host's own address on that interface (the bridge's gateway), e.g. `172.17.0.1`. */
  readonly address: string;
}

/** An IPv4 address as a 32-bit number, or undefined for anything else. */
function ipv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** Whether `address` lies in `cidr` (IPv4). */
export function inSubnet(address: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/');
  const ip = ipv4(address);
  const base = ipv4(network ?? '');
  const prefix = Number(bits);
  if (ip === undefined || base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(ip / size) === Math.floor(base / size);
}

/** The n-th address of a subnet (n = 2: the first one Docker gives a container). */
export function addressInSubnet(cidr: string, n: number): string | undefined {
  const base = ipv4(cidr.split('/')[0] ?? '');
  if (base === undefined) return undefined;
  const value = base + n;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Parse `ip -j route get ADDR`: the device and the host's source address, when the address is on a
 * directly attached link (no `gateway`: nothing routes it elsewhere, no loopback).
 */
export function parseRouteGet(json: string): { device: string; source: string } | { problem: string } {
  let routes: unknown;
  try {
    routes = JSON.parse(json);
  } catch {
    return { problem: 'ip route get printed no JSON' };
  }
  const route = (Array.isArray(routes) ? routes[0] : undefined) as
    | { dev?: string; prefsrc?: string; gateway?: string }
    | undefined;
  if (!route?.dev || !route.prefsrc)
    return { problem: `no route with a device and source address: ${json.trim().slice(0, 200)}` };
  if (route.gateway)
    return { problem: `routed through the gateway ${route.gateway} on ${route.dev}, not a directly attached bridge` };
  if (route.dev === 'lo') return { problem: 'routed to the loopback device: the subnet overlaps a local address' };
  return { device: route.dev, source: route.prefsrc };
}

/** Measure how the host reaches Docker's bridge subnet; a MissingDependencyError says what is wrong. */
export async function measureBridgeRoute(subnet: string | undefined, engine = 'Docker'): Promise<BridgeRoute> {
  if (!subnet)
    throw new MissingDependencyError(
      `${engine}'s bridge network lists no subnet: the host cannot reach containers at their own addresses`,
    );
  const probe = addressInSubnet(subnet, 2);
  if (!probe || !inSubnet(probe, subnet))
    throw new MissingDependencyError(`${engine}'s bridge subnet ${JSON.stringify(subnet)} is not an IPv4 subnet`);
  const result = await execa('ip', ['-j', 'route', 'get', probe], { reject: false });
  const parsed = parseRouteGet(String(result.stdout));
  if ('problem' in parsed)
    throw new MissingDependencyError(
      `the host does not reach ${engine}'s bridge ${subnet} directly (ip route get ${probe}): ${parsed.problem}`,
    );
  return { subnet, device: parsed.device, address: parsed.source };
}
