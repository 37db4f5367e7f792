/**
 * How a user's image is started, the same in every runtime: its argv (Entrypoint + Cmd), its env only,
 * its working dir, and its user resolved to numbers against the image's own /etc/passwd and /etc/group
 * (no supplementary groups, as an engine gives a numeric `uid:gid`).
 */
export interface ImageLaunch {
  readonly argv: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly uid: number;
  readonly gid: number;
}

/** Single-quote a word for sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * `/launch.sh` of a VM's initramfs (sourced by image-init.sh): the identity and working dir, the argv
 * as the positional parameters, and `tb_env CMD…`, which runs CMD with exactly the image's env.
 */
export function launchScript(launch: ImageLaunch): string {
  return [
    '# written by twinbench for one image: sourced by /init',
    `tb_uid=${launch.uid}`,
    `tb_gid=${launch.gid}`,
    `tb_workdir=${shellQuote(launch.workingDir)}`,
    `set -- ${launch.argv.map(shellQuote).join(' ')}`,
    `tb_env() { env -i ${launch.env.map(shellQuote).join(' ')} "$@"; }`,
    '',
  ].join('\n');
}

/** The command that starts the image from a host shell already in its root's mount namespace (native). */
export function unshareCommand(unshare: string, root: string, launch: ImageLaunch): string[] {
  return [
    'env',
    '-i',
    ...launch.env,
    unshare,
    `--root=${root}`,
    `--wd=${launch.workingDir}`,
    '--setuid',
    String(launch.uid),
    '--setgid',
    String(launch.gid),
    '--',
    ...launch.argv,
  ];
}
