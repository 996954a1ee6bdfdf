// Benign Node.js (V8 JIT) workload: objects and closures, typed-array numerics, JSON, regex; forever.
'use strict';
const fs = require('fs');
const text = fs.readFileSync(process.argv[2], 'utf8').slice(0, 4 << 20).split('\n');
const LOG = /host(\d+) app\[(\d+)\]: (.*) id=(\d+) latency_ms=(\d+) status=(\d+)/;

function richards(n) { // a small task scheduler in the Richards benchmark's spirit
	const q = [];
	for (let i = 0; i < 64; i++) q.push({ id: i, pri: (i * 37) % 11, work: 0 });
	for (let k = 0; k < n; k++) {
		q.sort((a, b) => a.pri - b.pri || a.id - b.id);
		const t = q[k % q.length];
		t.work += t.pri + 1;
		t.pri = (t.pri * 5 + k) % 11;
	}
	return q.reduce((s, t) => s + t.work, 0);
}

function nbody(steps) {
	const n = 64, p = new Float64Array(n * 3), v = new Float64Array(n * 3);
	for (let i = 0; i < n * 3; i++) p[i] = ((i * 7919) % 1000) / 100 - 5;
	for (let s = 0; s < steps; s++) {
		for (let i = 0; i < n; i++) {
			let ax = 0, ay = 0, az = 0;
			for (let j = 0; j < n; j++) {
				const dx = p[3 * j] - p[3 * i], dy = p[3 * j + 1] - p[3 * i + 1], dz = p[3 * j + 2] - p[3 * i + 2];
				const r2 = dx * dx + dy * dy + dz * dz + 0.01, inv = 1 / (r2 * Math.sqrt(r2));
				ax += dx * inv; ay += dy * inv; az += dz * inv;
			}
			v[3 * i] += ax * 1e-3; v[3 * i + 1] += ay * 1e-3; v[3 * i + 2] += az * 1e-3;
		}
		for (let i = 0; i < n * 3; i++) p[i] += v[i] * 1e-3;
	}
	return p[0];
}

let round = 0;
for (;;) {
	const r = richards(20000);
	const e = nbody(200);
	const hosts = new Map(), words = new Map();
	for (let i = 0; i < 40000; i++) {
		const l = text[i], m = LOG.exec(l);
		if (m) {
			const a = hosts.get(m[1]) || [];
			a.push(+m[5]);
			hosts.set(m[1], a);
		} else {
			for (const w of l.split(' ')) words.set(w, (words.get(w) || 0) + 1);
		}
	}
	const blob = JSON.stringify({ hosts: [...hosts].map(([h, a]) => [h, a.length]), n: words.size });
	round++;
	if (round % 10 === 0) process.stderr.write(`round ${round}: ${r} ${e.toFixed(6)} ${JSON.parse(blob).n}\n`);
}
