import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { test } from 'node:test';
import { githubCommands, gitlabCommands, githubWorkflow } from '../../ci-templates.js';

/**
 * GitHub's own workflow parser (@actions/workflow-parser, the one behind the Actions language service) imports
 * its schema as JSON without an import attribute, which Node.js refuses: this hook hands that one file over as
 * a module.
 */
const hook = `export async function load(url, context, next) {
  if (url.endsWith('.json') && url.includes('/@actions/workflow-parser/')) {
    const { readFileSync } = await import('node:fs');
    return { format: 'module', source: 'export default ' + readFileSync(new URL(url), 'utf8') + ';', shortCircuit: true };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
const parser = await import('@actions/workflow-parser');

function workflowErrors(name: string, content: string): string[] {
  const parsed = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  return parsed.context.errors.getErrors().map((error) => error.message);
}

test("ci/github/twinbench.yml passes GitHub's workflow parser, and a broken copy does not", async () => {
  const content = readFileSync(githubWorkflow, 'utf8');
  assert.deepEqual(workflowErrors('twinbench.yml', content), []);
  const parsed = parser.parseWorkflow({ name: 'twinbench.yml', content }, new parser.NoOperationTraceWriter());
  const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value!);
  assert.deepEqual(template.errors ?? [], []);
  assert.deepEqual(
    template.jobs.map((job) => job.id.value),
    ['bench', 'compare'],
  );
  // The validator bites: a misspelt key and a bad value are both found.
  const broken = content.replace('    steps:', '    stepz:').replace('timeout-minutes: 180', 'timeout-minutes: soon');
  const errors = workflowErrors('broken.yml', broken);
  assert.ok(
    errors.some((error) => /Unexpected value 'stepz'/.test(error)),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((error) => /Unexpected value 'soon'/.test(error)),
    errors.join('\n'),
  );
});

test('the GitHub and GitLab templates run the same scripts: only how the baseline is fetched differs', () => {
  const [github, gitlab] = [githubCommands(), gitlabCommands()];
  // A plain assignment from the fetch, so that a failed fetch fails the step (an echo or export of it would not).
  assert.deepEqual(github.hostJob, [
    'baseline=$(sh ci/fetch-baseline.sh github)\necho "TWINBENCH_BASELINE=$baseline" >> "$GITHUB_ENV"',
    'sh ci/host-job.sh',
  ]);
  assert.deepEqual(gitlab.hostJob, [
    'TWINBENCH_BASELINE="$(sh ci/fetch-baseline.sh gitlab)"',
    'export TWINBENCH_BASELINE',
    'sh ci/host-job.sh',
  ]);
  assert.deepEqual(github.collectJob, ['sh ci/collect.sh hosts fleet']);
  assert.deepEqual(gitlab.collectJob, ['sh ci/collect.sh twinbench-out fleet']);
});
