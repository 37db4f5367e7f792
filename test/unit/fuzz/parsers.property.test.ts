import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseAgentLine } from '../../../src/contract/agent-protocol.js';
import { parseCgroupMounts, parseProcCgroup } from '../../../src/sampling/cgroup-paths.js';
import { parseCgroupV1 } from '../../../src/sampling/cgroup-v1.js';
import { parseCgroupV2 } from '../../../src/sampling/cgroup-v2.js';
import { parseProcIo, parseProcStat, parseProcStatus, parseSmapsRollup } from '../../../src/sampling/proc.js';
import { parseModuleDepends } from '../../../src/images/kernel-modules.js';
import { injections } from './injections.js';

// A fixed seed: the same inputs every run, and fast-check prints the seed and path of any failure to replay it.
fc.configureGlobal({ seed: 20261205 });

/** Every defined numeric field is a finite, non-negative number: never NaN, never invented. */
function assertSaneNumbers(value: object): void {
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || typeof field !== 'number') continue;
    assert.ok(Number.isFinite(field) && field >= 0, `${key} = ${field}`);
  }
}

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'Total 0',
          '8:0 Read 5',
          'rss 12',
          'anon 4',
          'usage_usec 9',
          '8:0 rbytes=1 wbytes=2',
          'VmRSS:  12 kB',
          'Pss: 4 kB',
          'read_bytes: 7',
          'max',
          ...injections,
        ),
        fc.string(),
      ),
    )
    .map((lines) => lines.join('\n')),
);

test('cgroup and /proc parsers never throw and never produce NaN or negative figures, whatever the text', () => {
  fc.assert(
    fc.property(text, text, text, (a, b, c) => {
      assertSaneNumbers(
        parseCgroupV1({ memoryUsage: a, memoryStat: b, cpuacctUsage: c, cpuacctStat: a, blkioBytes: b, blkioOps: c }),
      );
      assertSaneNumbers(parseCgroupV2({ memoryCurrent: a, memoryPeak: c, memoryStat: b, cpuStat: c, ioStat: a }));
      assertSaneNumbers(parseProcStatus(a));
      assertSaneNumbers(parseSmapsRollup(b));
      assertSaneNumbers(parseProcIo(c));
      const stat = parseProcStat(a);
      if (stat) assert.ok(Number.isFinite(stat.utimeTicks) && Number.isFinite(stat.pid));
      parseCgroupMounts(b);
      parseProcCgroup(c);
    }),
    { numRuns: 2000 },
  );
});

test('agent lines: any text parses to a well-formed event or to nothing', () => {
  const line = fc.oneof(
    fc.string(),
    fc.constantFrom(...injections),
    fc
      .tuple(
        fc.constantFrom('READY', 'INITRAMFS', 'RESULT', 'EXIT', 'ERROR', 'BOGUS'),
        fc.oneof(fc.string(), fc.constantFrom(...injections)),
      )
      .map(([kind, rest]) => `TWINBENCH ${kind} ${rest}`),
  );
  fc.assert(
    fc.property(line, (input) => {
      const event = parseAgentLine(input);
      if (!event) return;
      if (event.type === 'ready' || event.type === 'initramfs') assert.ok(Number.isFinite(event.uptimeSeconds));
      if (event.type === 'result') assert.ok(Number.isFinite(event.value) && event.name && event.unit && event.source);
      if (event.type === 'exit') assert.ok(Number.isFinite(event.status));
    }),
    { numRuns: 5000 },
  );
});

test('a result line round-trips whatever finite value it carries', () => {
  fc.assert(
    fc.property(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.stringMatching(/^[a-z_]{1,20}$/),
      (value, name) => {
        const event = parseAgentLine(`TWINBENCH RESULT name=${name} value=${value} unit=u/s source=guest.x`);
        assert.deepEqual(event, { type: 'result', name, value: Number(String(value)), unit: 'u/s', source: 'guest.x' });
      },
    ),
  );
});

test('module depends= parsing never throws on arbitrary bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => void parseModuleDepends(Buffer.from(bytes))));
});
