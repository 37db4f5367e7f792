import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, copyFile, rm, writeFile, readFile, symlink, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { hostAptMirror } from '../../../src/host/apt-mirror.js';
import { archFromNode } from '../../../src/host/arch.js';
import { ensureImages, ensurePackage } from '../../../src/images/build.js';
import { resolveDebPackage } from '../../../src/images/deb-package.js';
import { cacheDir } from '../../../src/paths.js';

/**
 * Test images built here from Debian packages (no registry exists on the CI host):
 * - nginx: the shared Debian rootfs image + Debian's nginx and nginx-common unpacked, with nginx's own CMD
 *   and EXPOSE 80, as a user's Dockerfile would have them;
 * - httpd: FROM scratch, busybox-static's binary named /httpd and one page, USER 65534, no shell, no
 *   /etc/passwd: a single static binary serving something.
 */
export const nginxTag = 'twinbench-test/nginx:1';
export const httpdTag = 'twinbench-test/httpd:1';

const log = () => undefined;
/** The host's Debian architecture: the test images are built for it. */
export const hostArch = archFromNode(process.arch) ?? 'amd64';

async function dockerBuild(context: string, tag: string): Promise<void> {
  await execa('docker', ['build', '-q', '-t', tag, context]);
}

/** A Debian package unpacked under the twinbench cache (apt-get download + dpkg -x). */
async function unpacked(name: string): Promise<string> {
  return ensurePackage(await resolveDebPackage(name, hostArch), { arch: hostArch, cacheRoot: cacheDir(), log });
}

/** The shared rootfs in the local engine (imported from the cached image set when no run has yet). */
export async function sharedRootfsTag(): Promise<string> {
  const images = await ensureImages({ arch: hostArch, cacheRoot: cacheDir(), mirror: await hostAptMirror(), log });
  const present = await execa('docker', ['image', 'inspect', images.dockerTag], { reject: false });
  if (present.exitCode !== 0) await execa('docker', ['import', images.rootfsTar, images.dockerTag]);
  return images.dockerTag;
}

/** The nginx image, FROM the shared rootfs image. */
export async function buildNginxImage(baseTag: string): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'twinbench-nginx-'));
  try {
    const tree = join(context, 'tree');
    for (const name of ['nginx', 'nginx-common']) await execa('cp', ['-a', `${await unpacked(name)}/.`, tree]);
    // The base is usrmerged (/lib is a link to usr/lib): the packages' /lib goes where dpkg would put it.
    await execa('sh', ['-c', 'if [ -d lib ]; then mkdir -p usr/lib && cp -a lib/. usr/lib/ && rm -r lib; fi'], {
      cwd: tree,
    });
    // What nginx-common's postinst would make: the default site and its page, nginx's state folder.
    await mkdir(join(tree, 'etc/nginx/sites-enabled'), { recursive: true });
    await symlink('/etc/nginx/sites-available/default', join(tree, 'etc/nginx/sites-enabled/default'));
    await mkdir(join(tree, 'var/www/html'), { recursive: true });
    await writeFile(join(tree, 'var/www/html/index.html'), `<p>twinbench nginx test page</p>\n${'x'.repeat(512)}\n`);
    await mkdir(join(tree, 'var/lib/nginx'), { recursive: true });
    await execa('tar', ['-C', tree, '-cf', join(context, 'nginx.tar'), '.']);
    await rm(tree, { recursive: true });
    await writeFile(
      join(context, 'Dockerfile'),
      [
        `FROM ${baseTag}`,
        'ADD nginx.tar /',
        'EXPOSE 80',
        'STOPSIGNAL SIGQUIT',
        // Its startup notices on stderr: what --ready-log reads in every runtime.
        'CMD ["nginx", "-g", "daemon off; error_log stderr notice;"]',
        '',
      ].join('\n'),
    );
    await dockerBuild(context, nginxTag);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/** Files of the shell-less image: /httpd (busybox-static) and /www/index.html. */
async function httpdTree(into: string): Promise<void> {
  await mkdir(join(into, 'www'), { recursive: true });
  await copyFile(join(await unpacked('busybox-static'), 'bin', 'busybox'), join(into, 'httpd'));
  await chmod(join(into, 'httpd'), 0o755);
  await writeFile(join(into, 'www', 'index.html'), 'twinbench static httpd test page\n');
}

/** The shell-less image in the local engine. */
export async function buildHttpdImage(): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'twinbench-httpd-'));
  try {
    await httpdTree(context);
    await writeFile(
      join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY httpd /httpd',
        'COPY www /www',
        'USER 65534:65534',
        'WORKDIR /www',
        'EXPOSE 8080',
        'ENTRYPOINT ["/httpd", "-f", "-v", "-p", "8080"]',
        'CMD ["-h", "/www"]',
        '',
      ].join('\n'),
    );
    await dockerBuild(context, httpdTag);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * An OCI image layout tar written by hand (oci-layout, index.json, blobs): the shell-less httpd as one
 * gzip'd layer (the host's busybox), with `architecture` as given (a foreign one is a label only) and `entrypoint` (default: the httpd server).
 */
export async function writeOciArchive(
  output: string,
  options: { architecture: string; entrypoint?: string[]; upperLayer?: Buffer },
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'twinbench-oci-'));
  try {
    const tree = join(dir, 'tree');
    await httpdTree(tree);
    const blobs = join(dir, 'layout', 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    await execa('tar', ['-C', tree, '--numeric-owner', '-czf', join(dir, 'layer.tar.gz'), '.']);
    const layer = await readFile(join(dir, 'layer.tar.gz'));
    const diffId = sha((await execa('gzip', ['-dc', join(dir, 'layer.tar.gz')], { encoding: 'buffer' })).stdout);
    // A second, uncompressed layer as given (a hostile one, for the tests of bad images).
    const upper = options.upperLayer;
    const config = JSON.stringify({
      architecture: options.architecture,
      os: 'linux',
      config: {
        Entrypoint: options.entrypoint ?? ['/httpd', '-f', '-p', '8081', '-h', '/www'],
        WorkingDir: '/www',
        User: '65534',
        ExposedPorts: { '8081/tcp': {} },
      },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`, ...(upper ? [`sha256:${sha(upper)}`] : [])] },
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${sha(config)}`,
        size: Buffer.byteLength(config),
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: `sha256:${sha(layer)}`,
          size: layer.length,
        },
        ...(upper
          ? [
              {
                mediaType: 'application/vnd.oci.image.layer.v1.tar',
                digest: `sha256:${sha(upper)}`,
                size: upper.length,
              },
            ]
          : []),
      ],
    });
    await writeFile(join(blobs, sha(config)), config);
    await writeFile(join(blobs, sha(layer)), layer);
    if (upper) await writeFile(join(blobs, sha(upper)), upper);
    await writeFile(join(blobs, sha(manifest)), manifest);
    await writeFile(join(dir, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(dir, 'layout', 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${sha(manifest)}`,
            size: Buffer.byteLength(manifest),
          },
        ],
      }),
    );
    await execa('tar', ['-C', join(dir, 'layout'), '-cf', output, '.']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
