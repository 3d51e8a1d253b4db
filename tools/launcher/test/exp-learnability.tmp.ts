import { generateToolSamples, loadModelTokenizer, renderChat, tokenizeConversation } from '@tuneforge/datasets';
import { Model } from '@tuneforge/engine';
const DIR = 'tools/tiny-model/models/tiny-llama';
const tools = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Quito', 'Oslo', 'Lima', 'Tokyo', 'Cairo'] } }, required: ['city'] } } },
  { type: 'function', function: { name: 'calculator', description: 'Evaluates an arithmetic expression', parameters: { type: 'object', properties: { expression: { type: 'string', enum: ['2+2', '17*3', '9-4', '6/2'] } }, required: ['expression'] } } },
  { type: 'function', function: { name: 'convert_currency', description: 'Converts money between currencies', parameters: { type: 'object', properties: { amount: { type: 'integer', minimum: 1, maximum: 100 }, to: { type: 'string', enum: ['EUR', 'USD', 'JPY'] } }, required: ['amount', 'to'] } } },
];
async function main() {
  const tok = await loadModelTokenizer(DIR);
  const train = generateToolSamples(tools, { seed: 1, count: Number(process.env.N ?? 200), noToolShare: 0.1, minToolsPerSample: 3, maxToolsPerSample: 3 });
  const test = generateToolSamples(tools, { seed: 99, count: 30, noToolShare: 0, minToolsPerSample: 3, maxToolsPerSample: 3 });
  console.log('skipped', train.skippedTools);
  const samples = train.samples.map((s) => tokenizeConversation(tok, s.conversation));
  console.log('example text', samples[0].text.slice(0, 1200));
  console.log('mean len', samples.reduce((a, s) => a + s.input_ids.length, 0) / samples.length);
  const model = await Model.load(DIR, { threads: 2 });
  const trainer = await model.createTrainer({ mode: (process.env.MODE ?? 'full') as 'full', lr: Number(process.env.LR ?? 1e-2), schedule: 'constant', seed: 1 });
  const evalNow = async (label: string) => {
    let right = 0;
    for (const s of test.samples) {
      const msgs = s.conversation.messages;
      const firstAssistant = msgs.findIndex((m) => m.role === 'assistant');
      const prompt = renderChat(tok, msgs.slice(0, firstAssistant), s.conversation.tools, { addGenerationPrompt: true } as never);
      const [g] = await model.generate([tok.encode(prompt)], { maxNewTokens: 24 });
      const text = tok.decode(g.tokens as number[]);
      const want = s.calledTools[0];
      if (want && text.includes(`"name": "${want}"`)) right++;
    }
    console.log(label, 'tool selection', right, '/', test.samples.length);
  };
  await evalNow('step 0');
  const B = 8;
  let t0 = Date.now();
  for (let step = 1; step <= Number(process.env.STEPS ?? 300); step++) {
    const rows = Array.from({ length: B }, (_, i) => samples[((step - 1) * B + i) % samples.length]);
    const L = Math.max(...rows.map((r) => r.input_ids.length));
    const batch = { inputIds: rows.map((r) => [...r.input_ids, ...Array(L - r.input_ids.length).fill(0)]), labels: rows.map((r) => [...r.labels, ...Array(L - r.labels.length).fill(-100)]) };
    await trainer.accumulate(batch);
    const r = await trainer.step();
    if (step % 50 === 0) { console.log('step', step, 'loss', r.loss.toFixed(3), ((Date.now() - t0) / 50).toFixed(0), 'ms/step'); t0 = Date.now(); }
    if (step % 50 === 0) await evalNow(`step ${step}`);
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
