// Benign Node.js (V8 JIT) workload doing crypto: an API-gateway-style loop that signs, encrypts and checks records; forever.
'use strict';
const crypto = require('crypto');

// A token service's day: per record, JSON in JS, AES-256-GCM and ChaCha20-Poly1305 seal and
// open, an HMAC-SHA256 signature, and now and then a PBKDF2 password check and an ECDH key
// agreement (OpenSSL's AES-NI, SHA and bignum code called from JIT-compiled JavaScript).
const key = crypto.randomBytes(32), mac = crypto.randomBytes(32);
const alice = crypto.createECDH('prime256v1'), bob = crypto.createECDH('prime256v1');
alice.generateKeys();
bob.generateKeys();

function record(i) {
	return { id: i, user: 'u' + (i * 7919 % 100000), scopes: ['read', 'write', 'admin'].slice(0, 1 + i % 3),
		exp: 1700000000 + i, pad: 'x'.repeat(200 + i % 800) };
}

function seal(alg, plain) {
	const iv = crypto.randomBytes(12);
	const c = crypto.createCipheriv(alg, key, iv, { authTagLength: 16 });
	const body = Buffer.concat([c.update(plain), c.final()]);
	const tag = c.getAuthTag();
	const d = crypto.createDecipheriv(alg, key, iv, { authTagLength: 16 });
	d.setAuthTag(tag);
	return Buffer.concat([d.update(body), d.final()]).length;
}

let n = 0, bytes = 0, t0 = Date.now();
for (;;) {
	for (let k = 0; k < 2000; k++, n++) {
		const plain = Buffer.from(JSON.stringify(record(n)));
		bytes += seal(n % 2 ? 'aes-256-gcm' : 'chacha20-poly1305', plain);
		bytes += crypto.createHmac('sha256', mac).update(plain).digest().length;
		if (n % 500 === 0)
			bytes += crypto.pbkdf2Sync('pw' + n, 'salt', 2000, 32, 'sha256').length;
		if (n % 1000 === 0)
			bytes += alice.computeSecret(bob.getPublicKey()).length;
	}
	if (Date.now() - t0 > 10000) {
		console.log(`${n} records, ${bytes} bytes`);
		t0 = Date.now();
	}
}
