import { register } from 'node:module';
const hook = `export async function load(url, context, next) {
  if (url.endsWith('.json') && url.includes('/@actions/')) {
    const { readFileSync } = await import('node:fs');
    return { format: 'module', source: 'export default ' + readFileSync(new URL(url), 'utf8') + ';', shortCircuit: true };
  }
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
const { parseWorkflow, NoOperationTraceWriter, convertWorkflowTemplate } = await import('@actions/workflow-parser');
const { readFileSync } = await import('node:fs');
const file = process.argv[2];
const r = parseWorkflow({ name: file, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
console.log('errors', r.context.errors.getErrors().map(e => e.message));
const t = await convertWorkflowTemplate(r.context, r.value);
console.log('conv errors', t.errors, Object.keys(t));
console.log(JSON.stringify(t.jobs.map(j => ({id: j.id, steps: j.steps.map(s => ({run: s.run, uses: s.uses}))})), null, 1).slice(0, 2500));
