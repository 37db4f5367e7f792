import type { ArchName } from '../host/arch.js';
import type { ImageLoad, ImageReadiness } from '../config/workload-manifest.js';
import type { ImageLaunch } from './user-image/launch.js';

/** What the result records about `--image`: where it came from, its config, and its conversion. */
export interface UserImageRecord {
  /** `--image` as given. */
  readonly reference: string;
  readonly source: 'docker-engine' | 'docker-save' | 'oci-layout';
  /** `sha256:` + the config blob's sha256 (Docker's image ID). */
  readonly imageId: string;
  readonly repoTags: readonly string[];
  readonly architecture: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  /** The config's User, and the numbers it resolved to in the image's own passwd/group. */
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  readonly exposedTcpPorts: readonly number[];
  /** Apparent size of the flattened filesystem, bytes. */
  readonly rootfsBytes: number;
  /** sha256 of the flattened tree's tar (what every runtime ran). */
  readonly rootfsDigest: string;
  /** When it counted as READY and what load the host put on it (added by the run). */
  readonly readiness?: ImageReadiness;
  readonly load?: ImageLoad;
  /** Whether this run converted the image or found it converted; seconds of this run's conversion step. */
  readonly conversion: { readonly cached: boolean; readonly seconds: number; readonly firstConversionSeconds: number };
}

/** Everything built from one root filesystem: both packagings, the kernel and what went in. */
export interface ImageSet {
  /** Debian architecture of the guest. */
  readonly arch: ArchName;
  /** Cache folder holding the files below. */
  readonly dir: string;
  /** Digest of every input (packages, suite, kernel, agent, init): the cache key. */
  readonly inputsDigest: string;
  /** sha256 of the rootfs tar: the content both packagings were made from. */
  readonly rootfsDigest: string;
  /** The rootfs as a tar (what `docker import` reads). */
  readonly rootfsTar: string;
  /** Docker image tag; carries the content digest. */
  readonly dockerTag: string;
  /** ext4 root disk made from the same tree with `mke2fs -d`. */
  readonly diskPath: string;
  /** Kernel image and initramfs for direct kernel boot. */
  readonly kernelPath: string;
  readonly initrdPath: string;
  /** Where the kernel came from: Debian package name and version, or the user's own file. */
  readonly kernel: {
    readonly source: 'debian' | 'user';
    readonly name: string;
    readonly version: string;
    readonly sha256?: string;
  };
  /** Where the initramfs came from: built here, or the user's own file (with its digest). */
  readonly initrd?: { readonly source: 'built' | 'user'; readonly sha256?: string };
  /** Kernel modules the initramfs loads, in load order. */
  readonly initramfsModules: readonly string[];
  /** Debian suite, mirror and package list of the rootfs. */
  readonly suite: string;
  readonly mirror: string;
  readonly packages: readonly string[];
  /** When it was built and how long the build took (seconds, whole build including debootstrap). */
  readonly builtAt: string;
  readonly buildSeconds: number;
  /** `--image`: how every runtime starts the user's image instead of the agent (its files replace the rootfs above). */
  readonly launch?: ImageLaunch;
  /** `--image`: what the result records about it. */
  readonly userImage?: UserImageRecord;
}
