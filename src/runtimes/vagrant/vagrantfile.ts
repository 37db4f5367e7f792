import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cfsPeriodUs, envelopeFor } from '../../host/envelope.js';
import { vagrantDir } from './box.js';

/** What one trial's Vagrantfile says. */
export interface VagrantfileValues {
  readonly box: string;
  readonly bootTimeoutSeconds: number;
  /** `qemu` (TCG) when the KVM probe failed, else `kvm`. */
  readonly driver: 'kvm' | 'qemu';
  readonly domainPrefix: string;
  readonly vcpus: number;
  /** The domain's maximum vCPUs (QEMU's maxcpus); above vcpus only under TCG (possibleVcpus). */
  readonly possibleVcpus: number;
  readonly memoryMiB: number;
  /** The domain's name (`<domainPrefix>default`): the CPU quota hook sets it on this domain. */
  readonly domainName: string;
  /** The envelope, applied by libvirt to the domain's cgroup: CFS quota and period, memory hard limit. */
  readonly envelope: { readonly cpuQuotaUs: number; readonly cpuPeriodUs: number; readonly memoryLimitBytes: number };
  /** Whether libvirt sets the memory limit (memtune hard_limit); false where the harness writes it itself. */
  readonly memtune: boolean;
  readonly machineType: string;
  /** `host-passthrough` with KVM; `custom` + the TCG model otherwise, as the QEMU backend uses. */
  readonly cpu: { readonly mode: 'host-passthrough' } | { readonly mode: 'custom'; readonly model: string };
  readonly kernel: string;
  readonly initrd: string;
  readonly cmdLine: string;
  readonly consoleLog: string;
  readonly pool: string;
  readonly network: string;
  /** e.g. `10.214.7.0/24`. */
  readonly networkAddress: string;
  /** A volume of the pool (the trial's scratch file, linked in) attached as the second virtio disk. */
  readonly scratchVolume?: string;
}

/** The envelope of a VM trial as libvirt takes it: the same quota and limit the harness gives QEMU's trial cgroup. */
export function vagrantEnvelope(vcpus: number, memoryMiB: number): VagrantfileValues['envelope'] {
  const envelope = envelopeFor('vm', vcpus, memoryMiB);
  return { cpuQuotaUs: envelope.cpus * cfsPeriodUs, cpuPeriodUs: cfsPeriodUs, memoryLimitBytes: envelope.memoryBytes };
}

/** A Ruby single-quoted string literal: only `\` and `'` are special there, and nothing is interpolated. */
export function rubyString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** Fill the template's `{{key}}` slots; a slot without a value is an error, never left in the file. */
export function renderVagrantfile(template: string, values: VagrantfileValues): string {
  const slots: Record<string, string> = {
    box: rubyString(values.box),
    bootTimeoutSeconds: String(Math.ceil(values.bootTimeoutSeconds)),
    driver: rubyString(values.driver),
    domainPrefix: rubyString(values.domainPrefix),
    vcpus: String(values.vcpus),
    memoryMiB: String(values.memoryMiB),
    domainName: rubyString(values.domainName),
    cpuQuotaUs: String(Math.round(values.envelope.cpuQuotaUs)),
    cpuPeriodUs: String(Math.round(values.envelope.cpuPeriodUs)),
    // virsh: the maximum first (it bounds the current count), then the vCPUs the guest boots with.
    possibleVcpusLine:
      values.possibleVcpus > values.vcpus
        ? [
            `ok = system('virsh', 'setvcpus', domain, '${values.possibleVcpus}', '--maximum', '--config', out: File::NULL) &&`,
            `      system('virsh', 'setvcpus', domain, '${values.vcpus}', '--config', out: File::NULL)`,
            `    raise "twinbench: virsh setvcpus could not give #{domain} ${values.possibleVcpus} possible vCPUs" unless ok`,
          ].join('\n')
        : '',
    memtuneLine: values.memtune
      ? `lv.memtune :type => "hard_limit", :value => ${Math.ceil(values.envelope.memoryLimitBytes / 1024)}`
      : '',
    machineType: rubyString(values.machineType),
    cpuMode: rubyString(values.cpu.mode),
    cpuModelLine: values.cpu.mode === 'custom' ? `lv.cpu_model = ${rubyString(values.cpu.model)}` : '',
    kernel: rubyString(values.kernel),
    initrd: rubyString(values.initrd),
    cmdLine: rubyString(values.cmdLine),
    consoleLog: rubyString(values.consoleLog),
    pool: rubyString(values.pool),
    network: rubyString(values.network),
    networkAddress: rubyString(values.networkAddress),
    scratchLine: values.scratchVolume
      ? `lv.storage :file, :path => ${rubyString(values.scratchVolume)}, :type => 'raw', :cache => 'none', :io => 'threads', :allow_existing => true`
      : '',
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const slot = slots[key];
    if (slot === undefined) throw new Error(`Vagrantfile template: no value for {{${key}}}`);
    return slot;
  });
}

/** The template shipped in vagrant/. */
export function readVagrantfileTemplate(): Promise<string> {
  return readFile(join(vagrantDir, 'Vagrantfile.template'), 'utf8');
}
