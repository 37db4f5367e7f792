import type { ArchName } from '../../host/arch.js';

/** What twinbench reads from an OCI / Docker image config to run the image the way its engine would. */
export interface UserImageConfig {
  /** GOARCH-style name from the config (`amd64`, `arm64`, …). */
  readonly architecture: string;
  readonly os: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** `KEY=value` entries, in the config's order. */
  readonly env: readonly string[];
  /** Absolute working directory (`/` when the config names none). */
  readonly workingDir: string;
  /** The config's `User` as written (`''` = root). */
  readonly user: string;
  /** TCP ports the image declares with EXPOSE. */
  readonly exposedTcpPorts: readonly number[];
}

function strings(value: unknown, key: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  problems.push(`config.${key} must be a list of strings`);
  return [];
}

/** Parse an image config JSON (the `Config` blob of `docker save` or of an OCI manifest); throws with every problem. */
export function parseImageConfig(text: string): UserImageConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the image config is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('the image config is not a JSON object');
  const top = parsed as Record<string, unknown>;
  const config = (typeof top.config === 'object' && top.config !== null ? top.config : {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof top.architecture !== 'string' || top.architecture === '')
    problems.push('the image config names no architecture');
  const exposed =
    typeof config.ExposedPorts === 'object' && config.ExposedPorts !== null ? Object.keys(config.ExposedPorts) : [];
  const exposedTcpPorts = exposed.flatMap((key) => {
    const match = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key);
    return match && (match[2] ?? 'tcp') === 'tcp' ? [Number(match[1])] : [];
  });
  const workingDir = typeof config.WorkingDir === 'string' && config.WorkingDir !== '' ? config.WorkingDir : '/';
  if (!workingDir.startsWith('/'))
    problems.push(`config.WorkingDir must be absolute, got ${JSON.stringify(workingDir)}`);
  const result: UserImageConfig = {
    architecture: typeof top.architecture === 'string' ? top.architecture : '',
    os: typeof top.os === 'string' ? top.os : 'linux',
    entrypoint: strings(config.Entrypoint, 'Entrypoint', problems),
    cmd: strings(config.Cmd, 'Cmd', problems),
    env: strings(config.Env, 'Env', problems),
    workingDir,
    user: typeof config.User === 'string' ? config.User : '',
    exposedTcpPorts,
  };
  if (result.entrypoint.length + result.cmd.length === 0)
    problems.push('the image has neither Entrypoint nor Cmd: nothing to run');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return result;
}

/** The program and its arguments, as an engine joins them: Entrypoint then Cmd. */
export function imageArgv(config: UserImageConfig): string[] {
  return [...config.entrypoint, ...config.cmd];
}

/** The Debian architecture an image config's GOARCH name means, or undefined for one twinbench does not run. */
export function debianArchOf(architecture: string): ArchName | undefined {
  if (architecture === 'amd64') return 'amd64';
  if (architecture === 'arm64' || architecture === 'aarch64') return 'arm64';
  return undefined;
}

/** Numeric identity the image's process runs as. */
export interface NumericUser {
  readonly uid: number;
  readonly gid: number;
}

/** Find a name (or number) in the first field of a passwd/group file; returns the line's fields. */
function lookup(text: string | undefined, name: string): string[] | undefined {
  for (const line of (text ?? '').split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name) return fields;
  }
  return undefined;
}

/**
 * Resolve the config's `User` (`name`, `uid`, `name:group`, `uid:gid`, …) to numbers against the image's
 * own /etc/passwd and /etc/group, as Docker does: a user without a group gets its passwd group, a bare
 * uid not in passwd gets gid 0. Throws naming what could not be found.
 */
export function resolveImageUser(user: string, passwd: string | undefined, group: string | undefined): NumericUser {
  if (user === '') return { uid: 0, gid: 0 };
  const [userPart = '', groupPart] = user.split(':', 2);
  const numeric = /^\d+$/;
  let uid: number;
  let gid = 0;
  if (numeric.test(userPart)) {
    uid = Number(userPart);
    const entry = (passwd ?? '')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[2] === userPart);
    if (entry?.[3] && numeric.test(entry[3])) gid = Number(entry[3]);
  } else {
    const entry = lookup(passwd, userPart);
    if (!entry || !numeric.test(entry[2] ?? '') || !numeric.test(entry[3] ?? '')) {
      throw new Error(`the image's user ${JSON.stringify(userPart)} is not in its /etc/passwd`);
    }
    uid = Number(entry[2]);
    gid = Number(entry[3]);
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (numeric.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = lookup(group, groupPart);
      if (!entry || !numeric.test(entry[2] ?? ''))
        throw new Error(`the image's group ${JSON.stringify(groupPart)} is not in its /etc/group`);
      gid = Number(entry[2]);
    }
  }
  return { uid, gid };
}
