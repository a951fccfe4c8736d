/*
 * sha256.c — the SHA-256 checksum of a revision's SQL (FIPS 180-4).
 *
 * migrate.add() stores the checksum of each side of a revision, and every
 * deploy checks it before it runs that side.  The server's sha256() goes
 * through OpenSSL, whose first digest in a session builds its algorithm
 * tables: more than half a million instructions, more than the rest of a
 * small deploy's bookkeeping of its revision.  The digest here is the
 * standard's, in plain C, as lower-case hex: the same value as
 * encode(sha256(convert_to(sql, 'UTF8')), 'hex') in a UTF8 database, which
 * the tests compare on every length around the block boundaries.  Calls
 * nothing of pgmigrate.
 */
#include "postgres.h"

#include "pgmigrate.h"

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes */
static const uint32 pgm_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* ... and of the square roots of the first 8: the starting state */
static const uint32 pgm_sha256_h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

#define PGM_ROTR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

/* One 64-byte block into the state */
static void
pgm_sha256_block(uint32 *h, const unsigned char *block)
{
	uint32		w[64];
	uint32		v[8];
	int			t;

	for (t = 0; t < 16; t++)
		w[t] = ((uint32) block[4 * t] << 24) | ((uint32) block[4 * t + 1] << 16) |
			((uint32) block[4 * t + 2] << 8) | (uint32) block[4 * t + 3];
	for (t = 16; t < 64; t++)
	{
		uint32		s0 = PGM_ROTR(w[t - 15], 7) ^ PGM_ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32		s1 = PGM_ROTR(w[t - 2], 17) ^ PGM_ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = s1 + w[t - 7] + s0 + w[t - 16];
	}
	memcpy(v, h, sizeof(v));
	for (t = 0; t < 64; t++)
	{
		uint32		e = v[4];
		uint32		a = v[0];
		uint32		t1 = v[7] + (PGM_ROTR(e, 6) ^ PGM_ROTR(e, 11) ^ PGM_ROTR(e, 25)) +
			((e & v[5]) ^ (~e & v[6])) + pgm_sha256_k[t] + w[t];
		uint32		t2 = (PGM_ROTR(a, 2) ^ PGM_ROTR(a, 13) ^ PGM_ROTR(a, 22)) +
			((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));

		memmove(v + 1, v, sizeof(uint32) * 7);
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (t = 0; t < 8; t++)
		h[t] += v[t];
}

/* SHA-256 of `len` bytes at `data` into digest[32] */
static void
pgm_sha256(const unsigned char *data, size_t len, unsigned char *digest)
{
	uint32		h[8];
	unsigned char tail[128];
	size_t		full = len - len % 64;
	size_t		rest = len - full;
	size_t		padded = rest < 56 ? 64 : 128;
	uint64		bits = (uint64) len * 8;
	size_t		i;

	memcpy(h, pgm_sha256_h0, sizeof(h));
	for (i = 0; i < full; i += 64)
	{
		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		pgm_sha256_block(h, data + i);
	}
	/* the last bytes, a 1 bit, zeros, and the length in bits */
	memset(tail, 0, sizeof(tail));
	memcpy(tail, data + full, rest);
	tail[rest] = 0x80;
	for (i = 0; i < 8; i++)
		tail[padded - 1 - i] = (unsigned char) (bits >> (8 * i));
	pgm_sha256_block(h, tail);
	if (padded == 128)
		pgm_sha256_block(h, tail + 64);
	for (i = 0; i < 32; i++)
		digest[i] = (unsigned char) (h[i / 4] >> (24 - 8 * (i % 4)));
}

/* SHA-256 of a text's bytes as 64 lower-case hex digits, palloc'd. */
char *
pgm_sha256_hex(text *t)
{
	static const char digits[] = "0123456789abcdef";
	char	   *hex = palloc(PGM_SHA256_HEXLEN + 1);
	unsigned char d[PGM_SHA256_HEXLEN / 2];
	int			i;

	pgm_sha256((const unsigned char *) VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), d);
	for (i = 0; i < PGM_SHA256_HEXLEN / 2; i++)
	{
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0x0f];
	}
	hex[PGM_SHA256_HEXLEN] = '\0';
	return hex;
}
