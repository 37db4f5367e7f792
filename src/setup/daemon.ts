import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { MissingDependencyError } from '../errors.js';
import type { DaemonSpec, SetupContext } from '../runtimes/runtime.js';

/**
 * Have a daemon answer: nothing to do when it does (a host's own daemon is never recorded); else its systemd unit
 * where systemd is the init, or the daemon itself in the foreground, detached from setup (it outlives `bench setup`
 * on purpose), its output to its log, its pid recorded for its caller to stop. Waits until it answers.
 */
export async function ensureDaemon(spec: DaemonSpec, context: SetupContext): Promise<void> {
  const said = await spec.answers();
  if (said !== undefined) {
    context.say(`${spec.label} answers: ${said}`);
    return;
  }
  let log = 'its journal';
  let exited: string | undefined;
  if (
    context.systemd &&
    spec.systemdUnit &&
    (await execa('systemctl', ['start', spec.systemdUnit], { reject: false })).exitCode === 0
  ) {
    context.say(`started ${spec.systemdUnit} with systemctl`);
  } else {
    const start = spec.start();
    log = start.log;
    context.say(`starting ${[start.file, ...start.args].join(' ')} (nothing answered); log: ${log}`);
    const output = openSync(log, 'a');
    const child = spawn(start.file, start.args, { detached: true, stdio: ['ignore', output, output] });
    closeSync(output);
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', (error) =>
        reject(new MissingDependencyError(`${spec.label}: cannot start ${start.file}: ${error.message}`)),
      );
    });
    child.once('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with status ${code}`;
    });
    child.unref();
    context.started(spec.name, pid);
    context.say(`${spec.name} pid ${pid} (stop it with: kill ${pid})`);
  }
  const deadline = Date.now() + spec.timeoutSeconds * 1000;
  for (;;) {
    const version = await spec.answers();
    if (version !== undefined) {
      await spec.afterStart?.(context);
      context.say(`${spec.label} answers: ${version}`);
      return;
    }
    if (exited) throw new MissingDependencyError(`${spec.name} ${exited} before it answered; see ${log}`);
    if (Date.now() > deadline)
      throw new MissingDependencyError(`${spec.label} did not answer within ${spec.timeoutSeconds} s; see ${log}`);
    await sleep(500);
  }
}
