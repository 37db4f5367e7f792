import type { ArchName } from '../host/arch.js';
import type { UserImageRecord } from './user-image/convert.js';
import type { ImageLaunch } from './user-image/launch.js';

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
