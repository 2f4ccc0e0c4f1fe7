// tfjs_bench.js - the anchor of `nn bench`: TF.js 4.22 with the wasm backend timing model.execute on
// the same models, in the same run. Not part of the build; needs Node and, outside the repo:
//   mkdir -p /tmp/tfjs && cd /tmp/tfjs && npm install @tensorflow/tfjs-core@4.22.0 \
//       @tensorflow/tfjs-converter@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
// Usage: NODE_PATH=/tmp/tfjs/node_modules node bench/tfjs_bench.js models/movenet-lightning.json [runs] [threads]
// Prints "tfjs-wasm <model> threads T median X ms p90 Y ms" (after 5 warm-up runs, >= 20 timed runs;
// outputs are read back with dataSync inside the timed region).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const { loadGraphModel } = require('@tensorflow/tfjs-converter');

function fileHandler(jsonPath) {
  return {
    load: async () => {
      const m = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const dir = path.dirname(jsonPath);
      const specs = [], bufs = [];
      for (const g of m.weightsManifest) {
        specs.push(...g.weights);
        for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(bufs);
      return {
        modelTopology: m.modelTopology, format: m.format, generatedBy: m.generatedBy,
        convertedBy: m.convertedBy, signature: m.signature, userDefinedMetadata: m.userDefinedMetadata,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

async function main() {
  const model = process.argv[2];
  const runs = Math.max(20, parseInt(process.argv[3] || '20', 10));
  const threads = parseInt(process.argv[4] || '1', 10);
  wasm.setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const m = await loadGraphModel(fileHandler(model));
  const sig = m.inputs[0];
  const shape = sig.shape.map((d) => (d < 0 ? 1 : d));
  const n = shape.reduce((a, b) => a * b, 1);
  const isInt = sig.dtype === 'int32';
  const data = isInt ? new Int32Array(n) : new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = isInt ? (s >>> 24) : (s >>> 24) / 255;
  }
  const x = tf.tensor(data, shape, sig.dtype);
  const once = () => {
    const out = m.execute(x);
    const list = Array.isArray(out) ? out : [out];
    for (const t of list) t.dataSync();
    tf.dispose(list);
  };
  for (let i = 0; i < 5; i++) once();
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    once();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  const med = runs % 2 ? t[(runs - 1) / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
  const p90 = t[Math.round((runs - 1) * 0.9)];
  console.log(`tfjs-wasm ${path.basename(model, '.json')} threads ${wasm.getThreadsCount ? wasm.getThreadsCount() : threads} ` +
              `median ${med.toFixed(2)} ms p90 ${p90.toFixed(2)} ms min ${t[0].toFixed(2)} ms`);
}

main().catch((e) => { console.error(e); process.exit(1); });
