import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsoleLines, parseAgentLine } from '../../../src/contract/agent-protocol.js';

test('agent lines parse, serial carriage returns included', () => {
  assert.deepEqual(parseAgentLine('TWINBENCH READY uptime_s=2.41 mode=vm\r'), { type: 'ready', uptimeSeconds: 2.41 });
  assert.deepEqual(parseAgentLine('TWINBENCH INITRAMFS uptime_s=1.9'), { type: 'initramfs', uptimeSeconds: 1.9 });
  assert.deepEqual(
    parseAgentLine(
      'TWINBENCH RESULT name=events_per_s value=519.81 unit=events/s source=guest.sysbench.cpu.events_per_s',
    ),
    {
      type: 'result',
      name: 'events_per_s',
      value: 519.81,
      unit: 'events/s',
      source: 'guest.sysbench.cpu.events_per_s',
    },
  );
  assert.deepEqual(parseAgentLine('TWINBENCH EXIT status=0'), { type: 'exit', status: 0 });
  assert.deepEqual(parseAgentLine('TWINBENCH ERROR no events'), { type: 'error', message: 'no events' });
  assert.deepEqual(parseAgentLine('TWINBENCH DATA tool=fio { "fio version" : "fio-3.33", "jobs" : [] }\r'), {
    type: 'data',
    tool: 'fio',
    payload: '{ "fio version" : "fio-3.33", "jobs" : [] }',
  });
  assert.deepEqual(parseAgentLine('TWINBENCH LISTEN'), { type: 'listen' });
  // fio's progress meter on the VM's serial tty ends in \r, with no newline before our line.
  assert.deepEqual(parseAgentLine('Jobs: 1 (f=1): [W(1)][100.0%][eta 00m:00s]\rTWINBENCH EXIT status=0\r'), {
    type: 'exit',
    status: 0,
  });
});

test('malformed or foreign lines are ignored, never turned into zeros', () => {
  for (const line of [
    'TWINBENCH READY',
    'TWINBENCH READY uptime_s=',
    'TWINBENCH RESULT name=x value=abc unit=u source=s',
    'TWINBENCH RESULT name=x value=1 unit=u',
    'TWINBENCH EXIT status=',
    '[    1.2] TWINBENCH READY uptime_s=1',
    'events per second: 500',
    'TWINBENCH DATA tool=Fio {}',
    'TWINBENCH DATA {}',
    'TWINBENCH LISTEN now',
  ]) {
    assert.equal(parseAgentLine(line), undefined, line);
  }
});

test('console lines are split across chunk boundaries and the tail is kept', () => {
  const lines = new ConsoleLines(2);
  assert.deepEqual(lines.push('TWINBENCH REA'), []);
  assert.deepEqual(lines.push('DY uptime_s=1\r\nabc\ndef\npartial'), ['TWINBENCH READY uptime_s=1', 'abc', 'def']);
  assert.equal(lines.tail(), 'abc\ndef\npartial');
});

test("the guest's memory view parses at ready and exit; a negative, missing or unknown field is no figure", () => {
  assert.deepEqual(
    parseAgentLine('TWINBENCH MEMORY at=ready used_bytes=41943040 source=guest.meminfo.MemTotal-MemAvailable\r'),
    {
      type: 'memory',
      at: 'ready',
      usedBytes: 41943040,
      source: 'guest.meminfo.MemTotal-MemAvailable',
    },
  );
  assert.equal(parseAgentLine('TWINBENCH MEMORY at=exit used_bytes=-4096 source=x')?.type, undefined);
  assert.equal(parseAgentLine('TWINBENCH MEMORY at=later used_bytes=4096 source=x'), undefined);
  assert.equal(parseAgentLine('TWINBENCH MEMORY at=exit used_bytes= source=x'), undefined);
  assert.equal(parseAgentLine('TWINBENCH MEMORY at=exit used_bytes=4096'), undefined);
});
