import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderModules, parseModuleDepends } from '../../../src/images/kernel-modules.js';

function ko(depends: string): Buffer {
  return Buffer.concat([
    Buffer.from('\x7fELF....license=GPL\0'),
    Buffer.from(`depends=${depends}\0`),
    Buffer.from('vermagic=6.1\0'),
  ]);
}

test('depends= is read from the .modinfo strings', () => {
  assert.deepEqual(parseModuleDepends(ko('virtio_ring,virtio_pci_modern_dev,virtio')), [
    'virtio_ring',
    'virtio_pci_modern_dev',
    'virtio',
  ]);
  assert.deepEqual(parseModuleDepends(ko('')), []);
  assert.deepEqual(parseModuleDepends(Buffer.from('no modinfo here')), []);
});

test('modules load after their dependencies (the 6.1 virtio graph)', () => {
  const graph: Record<string, string[]> = {
    virtio: ['virtio_ring'],
    virtio_ring: [],
    virtio_pci: ['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio'],
    virtio_pci_modern_dev: [],
    virtio_pci_legacy_dev: [],
    virtio_blk: ['virtio', 'virtio_ring'],
  };
  const order = orderModules(['virtio_pci', 'virtio_blk'], (name) => graph[name]);
  for (const [module, deps] of Object.entries(graph)) {
    for (const dep of deps)
      assert.ok(order.indexOf(dep) < order.indexOf(module), `${dep} before ${module} in ${order.join(',')}`);
  }
  assert.equal(new Set(order).size, order.length);
});

test('a missing module or a cycle is named', () => {
  assert.throws(
    () => orderModules(['a'], (name) => (name === 'a' ? ['b'] : undefined)),
    /kernel module b not found \(needed by a\)/,
  );
  assert.throws(() => orderModules(['a'], (name) => (name === 'a' ? ['b'] : ['a'])), /cycle: a -> b -> a/);
});
