import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAptMirror } from '../../../src/images/apt-source.js';
import { parseAptCacheVersion, parseFirstDependency } from '../../../src/images/deb-package.js';

test('deb822 sources: the main mirror, not the security one', () => {
  const text =
    'Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n';
  assert.equal(parseAptMirror(text), 'http://mirror.example/debian');
});

test('one-line sources with options; comments skipped; none found → undefined', () => {
  assert.equal(
    parseAptMirror('# deb http://old/debian bookworm main\ndeb [arch=amd64] http://proxy:3142/debian bookworm main\n'),
    'http://proxy:3142/debian',
  );
  assert.equal(parseAptMirror('deb http://archive.ubuntu.com/ubuntu jammy main\n'), undefined);
});

test('apt-cache output: the version and the real kernel package behind the meta-package', () => {
  assert.equal(
    parseAptCacheVersion('Package: busybox-static\nVersion: 1:1.35.0-4+deb12u1+b1\nArchitecture: amd64\n'),
    '1:1.35.0-4+deb12u1+b1',
  );
  assert.equal(
    parseFirstDependency('linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n', 'linux-image-'),
    'linux-image-6.1.0-56-cloud-amd64',
  );
  assert.equal(
    parseFirstDependency(
      'linux-image-cloud-arm64:arm64\n  Depends: linux-image-6.1.0-56-cloud-arm64:arm64\n',
      'linux-image-',
    ),
    'linux-image-6.1.0-56-cloud-arm64',
  );
});
