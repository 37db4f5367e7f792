import { performance } from 'node:perf_hooks';
import type { ImageSet } from '../../images/image-set.js';
import { TrialError } from '../../errors.js';
import { parseAgentLine } from '../../contract/agent-protocol.js';
import type { Backend, RuntimeInfo, TrialObserver, TrialOutcome, TrialSpec } from '../../contract/backend.js';
import type { RuntimeName } from '../../config/suite.js';
import type { RuntimeKind } from '../../host/envelope.js';
import type { SamplerTarget } from '../../sampling/sampler.js';

/**
 * A scripted trial: the console lines a guest would print (and, for deterministic timings, the boot
 * time to report instead of the one the host clock measured), or a failure.
 */
export type FakeScript = { lines: string[]; exitStatus?: number; bootMs?: number } | { fail: string };

/**
 * A backend that replays scripted agent output, for deterministic tests of the orchestrator,
 * results and reports (the hyperfine "mock executor" habit). It never touches the host.
 */
export class FakeBackend implements Backend {
  readonly name: RuntimeName;
  readonly kind: RuntimeKind;
  readonly cgroupPlacement = 'own' as const;
  readonly #script: (spec: TrialSpec) => FakeScript;
  readonly #target: SamplerTarget;
  readonly started: string[] = [];

  constructor(name: RuntimeName, script: (spec: TrialSpec) => FakeScript, target: SamplerTarget, kind?: RuntimeKind) {
    this.name = name;
    this.kind = kind ?? (name === 'native' ? 'native' : name === 'docker' ? 'container' : 'vm');
    this.#script = script;
    this.#target = target;
  }

  async prepare(_images: ImageSet): Promise<RuntimeInfo> {
    return { fake: true };
  }

  async runTrial(spec: TrialSpec, observer: TrialObserver, origin: number): Promise<TrialOutcome> {
    this.started.push(spec.trialId);
    if (spec.signal.aborted) throw spec.signal.reason;
    const script = this.#script(spec);
    if ('fail' in script) throw new TrialError(script.fail, { consoleTail: 'fake console' });
    observer.guestStarted(this.#target);
    let readyAt: number | undefined;
    for (const line of script.lines) {
      const event = parseAgentLine(line);
      if (!event) continue;
      const at = performance.now();
      if (event.type === 'ready') readyAt = at;
      await observer.agentEvent(event, at);
    }
    if (readyAt === undefined)
      throw new TrialError('guest never printed READY', { consoleTail: script.lines.join('\n') });
    const bootMs = script.bootMs ?? readyAt - origin;
    await observer.guestExited();
    return {
      bootToReadyMs: bootMs,
      phases: [{ name: 'fake', ms: bootMs, clock: script.bootMs === undefined ? 'host' : 'guest' }],
      exitStatus: script.exitStatus ?? 0,
      consoleTail: script.lines.join('\n'),
    };
  }
}
