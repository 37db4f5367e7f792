import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../src/paths.js';

/** The CI templates twinbench ships (ci/), as their CI systems read them. */
export const githubWorkflow = join(packageRoot, 'ci', 'github', 'twinbench.yml');
export const gitlabPipeline = join(packageRoot, 'ci', 'gitlab', 'twinbench.gitlab-ci.yml');

/** The shell commands of each job, in order: what the tests run, exactly. */
export interface TemplateCommands {
  hostJob: string[];
  collectJob: string[];
}

/** The `run:` steps of the GitHub workflow's two jobs. */
export function githubCommands(): TemplateCommands {
  const workflow = parse(readFileSync(githubWorkflow, 'utf8')) as {
    jobs: Record<string, { steps: { run?: string }[] }>;
  };
  const runs = (job: string) =>
    (workflow.jobs[job]?.steps ?? []).flatMap((step) => (step.run === undefined ? [] : [step.run.trim()]));
  return { hostJob: runs('bench'), collectJob: runs('compare') };
}

/** The `script:` lines of the GitLab pipeline's two jobs. */
export function gitlabCommands(): TemplateCommands {
  const pipeline = parse(readFileSync(gitlabPipeline, 'utf8')) as Record<string, { script?: string[] }>;
  return { hostJob: pipeline.bench?.script ?? [], collectJob: pipeline.compare?.script ?? [] };
}

/** The GitHub bench job's `env:` entries that are plain values (not `${{ }}` expressions): what every step sees. */
export function githubJobEnv(): Record<string, string> {
  const workflow = parse(readFileSync(githubWorkflow, 'utf8')) as {
    jobs: Record<string, { env?: Record<string, unknown> }>;
  };
  const env = workflow.jobs.bench?.env ?? {};
  return Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      typeof value === 'string' && !value.includes('${{') ? [[name, value]] : [],
    ),
  );
}
