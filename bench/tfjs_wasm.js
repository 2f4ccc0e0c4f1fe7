#!/usr/bin/env node
// bench/tfjs_wasm.js - the anchor of docs/BENCHMARKS.md "nn: model inference": TF.js 4.22 with the
// wasm backend (1 thread), timing model.execute only, median of N runs after warm-up, on the same
// pseudo-random input shape as `nn bench` (int32 pixels 0..255, float32 0..1).
//
// Setup (once, outside the repository; nothing is vendored):
//   mkdir -p /tmp/tfjs && cd /tmp/tfjs && npm install @tensorflow/tfjs-core@4.22.0 \
//       @tensorflow/tfjs-converter@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
// Run:
//   NODE_PATH=/tmp/tfjs/node_modules node bench/tfjs_wasm.js models/movenet-lightning.json [runs]
// Prints: "tfjs-wasm MODEL runs N median X ms p90 Y ms min Z ms".
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
const tfc = require('@tensorflow/tfjs-converter');
const wasm = require('@tensorflow/tfjs-backend-wasm');

function fileHandler(jsonPath) {
  return {
    load: async () => {
      const m = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
      const dir = path.dirname(jsonPath);
      const specs = [];
      const bufs = [];
      for (const g of m.weightsManifest) {
        specs.push(...g.weights);
        for (const p of g.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(bufs);
      return {
        modelTopology: m.modelTopology,
        format: m.format,
        generatedBy: m.generatedBy,
        convertedBy: m.convertedBy,
        signature: m.signature,
        userDefinedMetadata: m.userDefinedMetadata,
        weightSpecs: specs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

async function main() {
  const model = process.argv[2];
  const runs = parseInt(process.argv[3] || '20', 10);
  if (!model || !(runs > 0)) {
    console.error('usage: node bench/tfjs_wasm.js MODEL.json [runs]');
    process.exit(2);
  }
  wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const gm = await tfc.loadGraphModel(fileHandler(model));
  const sig = gm.inputs[0];
  // The shape nn plans with: the signature's (MultiPose's Placeholder says [1,-1,-1,3], its
  // signature [1,256,256,3]), then the graph's, open dimensions as 1.
  const json = JSON.parse(fs.readFileSync(model, 'utf8'));
  const sigIn = json.signature && json.signature.inputs ? Object.values(json.signature.inputs)[0] : null;
  const dims = sigIn && sigIn.tensorShape && sigIn.tensorShape.dim
    ? sigIn.tensorShape.dim.map((d) => parseInt(d.size, 10)) : sig.shape;
  const shape = dims.map((d) => (d < 0 ? 1 : d));
  const count = shape.reduce((a, b) => a * b, 1);
  let x;
  if (sig.dtype === 'int32') {
    const v = new Int32Array(count);
    for (let i = 0; i < count; i++) v[i] = (i * 7) % 255;
    x = tf.tensor(v, shape, 'int32');
  } else {
    const v = new Float32Array(count);
    for (let i = 0; i < count; i++) v[i] = ((i * 7) % 255) / 255;
    x = tf.tensor(v, shape, 'float32');
  }
  const once = () => {
    const t0 = process.hrtime.bigint();
    const out = gm.execute(x);
    const outs = Array.isArray(out) ? out : [out];
    outs.forEach((t) => t.dataSync()); // execute is lazy on some backends: wait for the values
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    tf.dispose(outs);
    return dt;
  };
  for (let i = 0; i < 3; i++) once();
  const t = [];
  for (let i = 0; i < runs; i++) t.push(once());
  t.sort((a, b) => a - b);
  const med = runs % 2 ? t[(runs - 1) / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;  // as nn bench
  const p90 = t[Math.min(runs - 1, Math.floor(runs * 0.9))];
  console.log(`tfjs-wasm ${model} input [${shape}] runs ${runs} median ${med.toFixed(2)} ms p90 ${p90.toFixed(2)} ms min ${t[0].toFixed(2)} ms`);
}

main().catch((e) => {
  console.error(`tfjs_wasm: ${e.message}`);
  process.exit(1);
});
