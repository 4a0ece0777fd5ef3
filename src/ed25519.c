/*
 * iapboot - Ed25519 verification (RFC 8032 5.1.3, 5.1.7), written from the
 * mathematics for 32-bit targets without a 64x64 multiplier.
 *
 * Curve: -x^2 + y^2 = 1 + d x^2 y^2 over GF(p), p = 2^255 - 19, in extended
 * coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z (Hisil, Wong, Carter,
 * Dawson 2008). With a = -1 a square and d a non-square mod p the addition
 * formula is complete, so the identity, doubling and equal inputs need no
 * special cases.
 *
 * [S]B - [k]A is computed by one left-to-right pass over both scalars with
 * sliding windows: odd multiples of B come from a const table (flash), odd
 * multiples of -A are built on the stack. The result is encoded and
 * compared with the 32 bytes of R: that is the cofactorless check, and it
 * also rejects any R that is not the canonical encoding of a curve point,
 * because an encoding computed here never is.
 *
 * Nothing here is secret (keys are public, signatures are public), so the
 * code is not constant time; it is written to be short and obviously right.
 */
#include <string.h>

#include "iap/iap_ed25519.h"
#include "iap/iap_err.h"

/*
 * GF(p) in radix 2^25.5: ten unsigned limbs, limb i weighing 2^ceil(25.5 i),
 * so even limbs hold 26 bits and odd limbs 25. A limb product fits 64 bits
 * with room to sum ten of them: what a Cortex-M3 UMULL/UMLAL does.
 *
 * Invariant: every fe written by the functions below is "carried": limbs
 * below 2^26 (even) and 2^25 (odd), except limb 1, which may exceed 2^25 by
 * less than 2^18. The value is only reduced mod p by fe_tobytes().
 */
/* An array type, so fe arguments pass by reference like the limbs they are. */
typedef uint32_t fe[10];

#define M25 0x1ffffffu
#define M26 0x3ffffffu

/* Bits in limb i. */
static unsigned limb_bits(unsigned i)
{
	return 26u - (i & 1u);
}

/*
 * Canonical values as limbs, computed with Python integers (see base_odd):
 * d = -121665 / 121666, 2d, and sqrt(-1) = 2^((p - 1) / 4).
 */
static const fe fe_d = {0x35978a3, 0x0d37284, 0x3156ebd, 0x06a0a0e, 0x001c029,
			0x179e898, 0x3a03cbb, 0x1ce7198, 0x2e2b6ff, 0x1480db3};
static const fe fe_d2 = {0x2b2f159, 0x1a6e509, 0x22add7a, 0x0d4141d, 0x0038052,
			 0x0f3d130, 0x3407977, 0x19ce331, 0x1c56dff, 0x0901b67};
static const fe fe_sqrtm1 = {0x20ea0b0, 0x186c9d2, 0x08f189d, 0x035697f,
			     0x0bd0c60, 0x1fbd7a7, 0x2804c9e, 0x1e16569,
			     0x004fc1d, 0x0ae0c92};
static const fe fe_1 = {1};
static const fe fe_0 = {0};

static void fe_copy(fe h, const fe f)
{
	memcpy(h, f, sizeof(fe));
}

/* Bring limbs of up to 2^29 back under the invariant. */
static void fe_carry(fe h)
{
	uint32_t c;

	for (unsigned i = 0; i < 9; i++) {
		c = h[i] >> limb_bits(i);
		h[i] &= (1u << limb_bits(i)) - 1u;
		h[i + 1] += c;
	}
	/* 2^255 = 19 (mod p): the carry out of the top wraps around. */
	c = h[9] >> 25;
	h[9] &= M25;
	h[0] += 19u * c;
	c = h[0] >> 26;
	h[0] &= M26;
	h[1] += c;
}

static void fe_add(fe h, const fe f, const fe g)
{
	for (unsigned i = 0; i < 10; i++) {
		h[i] = f[i] + g[i];
	}
	fe_carry(h);
}

/* f - g + 2p: 2p's limbs exceed any carried limb, so nothing goes below 0. */
static void fe_sub(fe h, const fe f, const fe g)
{
	for (unsigned i = 0; i < 10; i++) {
		uint32_t twop = (i == 0) ? 2u * (M26 - 18u)
					 : 2u * ((1u << limb_bits(i)) - 1u);

		h[i] = f[i] + twop - g[i];
	}
	fe_carry(h);
}

/*
 * Where the product f[i] g[j] goes, k = i + j (mod 10):
 *  - past limb 9 it wraps with a factor 19 (2^255 = 19 mod p): gx[j] holds
 *    19 g[j] and gx[10 + j] holds g[j], so the factor is gx[10 + k - i];
 *  - when i and j are both odd their weights add up to one bit more than
 *    limb k's, so the product counts twice. For odd i that happens exactly
 *    in the even columns: there f2 (odd limbs doubled) replaces f.
 * 19 times a carried limb, and twice one, still fit 32 bits.
 */
static void fe_spread(uint32_t gx[20], uint32_t f2[10], const fe f, const fe g)
{
	for (unsigned j = 0; j < 10; j++) {
		gx[10 + j] = g[j];
		gx[j] = 19u * g[j];
		f2[j] = (j & 1u) ? 2u * f[j] : f[j];
	}
}

/*
 * Carry column k's sum into limb k of r; what is left over moves on in
 * *acc. Column sums stay below 2^61.
 */
static void fe_column(uint32_t r[10], unsigned k, uint64_t *acc)
{
	r[k] = (uint32_t)*acc & ((1u << limb_bits(k)) - 1u);
	*acc >>= limb_bits(k);
}

/* The carry out of limb 9 wraps around with a factor 19. */
static void fe_wrap(fe h, uint32_t r[10], uint64_t acc)
{
	acc = r[0] + 19u * acc;
	r[0] = (uint32_t)acc & M26;
	r[1] += (uint32_t)(acc >> 26);
	memcpy(h, r, sizeof(fe));
}

/* h = f g. h may alias f or g. */
static void fe_mul(fe h, const fe f, const fe g)
{
	uint32_t gx[20], f2[10], r[10];
	uint64_t acc = 0;

	fe_spread(gx, f2, f, g);
	/* Column by column, so the sum stays in registers (UMLAL). */
	for (unsigned k = 0; k < 10; k++) {
		const uint32_t *ff = (k & 1u) ? f : f2;

		for (unsigned i = 0; i < 10; i++) {
			acc += (uint64_t)ff[i] * gx[10 + k - i];
		}
		fe_column(r, k, &acc);
	}
	fe_wrap(h, r, acc);
}

/* h = f^2, as fe_mul() but each cross product once, doubled. */
static void fe_sq(fe h, const fe f)
{
	uint32_t gx[20], f2[10], r[10];
	uint64_t acc = 0;

	fe_spread(gx, f2, f, f);
	for (unsigned k = 0; k < 10; k++) {
		const uint32_t *ff = (k & 1u) ? f : f2;
		uint64_t cross = 0;
		unsigned i;

		/* Pairs i < j with i + j = k, then with i + j = k + 10. */
		for (i = 0; 2 * i < k; i++) {
			cross += (uint64_t)ff[i] * gx[10 + k - i];
		}
		for (i = k + 1; 2 * i < k + 10; i++) {
			cross += (uint64_t)ff[i] * gx[10 + k - i];
		}
		acc += 2 * cross;
		/* Squares land in even columns: i = k / 2 and k / 2 + 5. */
		if (!(k & 1u)) {
			i = k / 2;
			acc += (uint64_t)ff[i] * gx[10 + i];
			acc += (uint64_t)ff[i + 5] * gx[i + 5];
		}
		fe_column(r, k, &acc);
	}
	fe_wrap(h, r, acc);
}

/* h = f^(2^n), n >= 1. */
static void fe_sqn(fe h, const fe f, unsigned n)
{
	fe_sq(h, f);
	while (--n) {
		fe_sq(h, h);
	}
}

/* Little-endian bytes to limbs; bit 255 (the sign of x) is ignored. */
static void fe_frombytes(fe h, const uint8_t s[32])
{
	uint64_t acc = 0;
	unsigned bits = 0, pos = 0;

	for (unsigned i = 0; i < 10; i++) {
		while (bits < limb_bits(i)) {
			acc |= (uint64_t)s[pos++] << bits;
			bits += 8;
		}
		h[i] = (uint32_t)acc & ((1u << limb_bits(i)) - 1u);
		acc >>= limb_bits(i);
		bits -= limb_bits(i);
	}
}

/* The canonical encoding: the value reduced to [0, p), little-endian. */
static void fe_tobytes(uint8_t s[32], const fe f)
{
	fe t;
	uint32_t q;
	uint64_t acc = 0;
	unsigned bits = 0, pos = 0;

	fe_copy(t, f);
	fe_carry(t);
	/*
	 * t < 2p now. q = 1 exactly when t + 19 reaches 2^255, i.e. t >= p;
	 * then adding 19 and dropping bit 255 subtracts p.
	 */
	q = (t[0] + 19u) >> 26;
	for (unsigned i = 1; i < 10; i++) {
		q = (t[i] + q) >> limb_bits(i);
	}
	t[0] += 19u * q;
	for (unsigned i = 0; i < 9; i++) {
		t[i + 1] += t[i] >> limb_bits(i);
		t[i] &= (1u << limb_bits(i)) - 1u;
	}
	t[9] &= M25;

	for (unsigned i = 0; i < 10; i++) {
		acc |= (uint64_t)t[i] << bits;
		bits += limb_bits(i);
		while (bits >= 8) {
			s[pos++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	s[31] = (uint8_t)acc;
}

static int fe_eq(const fe f, const fe g)
{
	uint8_t a[32], b[32];

	fe_tobytes(a, f);
	fe_tobytes(b, g);
	return memcmp(a, b, 32) == 0;
}

static int fe_iszero(const fe f)
{
	return fe_eq(f, fe_0);
}

/* z^(2^250 - 1), the common part of the two exponentiations below. */
static void fe_pow2250m1(fe h, const fe z)
{
	fe a, b, t;

	/* e(n) = z^(2^n - 1); e(m + n) = e(m)^(2^n) e(n). */
	fe_sq(t, z);
	fe_mul(a, t, z); /* e2 */
	fe_sqn(t, a, 2);
	fe_mul(a, t, a); /* e4 */
	fe_sq(t, a);
	fe_mul(a, t, z); /* e5 */
	fe_sqn(t, a, 5);
	fe_mul(a, t, a); /* e10 */
	fe_sqn(t, a, 10);
	fe_mul(b, t, a); /* e20 */
	fe_sqn(t, b, 20);
	fe_mul(b, t, b); /* e40 */
	fe_sqn(t, b, 10);
	fe_mul(a, t, a); /* e50 */
	fe_sqn(t, a, 50);
	fe_mul(b, t, a); /* e100 */
	fe_sqn(t, b, 100);
	fe_mul(b, t, b); /* e200 */
	fe_sqn(t, b, 50);
	fe_mul(h, t, a); /* e250 */
}

/* h = 1/z = z^(p - 2) = z^(2^255 - 21) = e250^(2^5) z^11. */
static void fe_inv(fe h, const fe z)
{
	fe t, z2, z11;

	fe_sq(z2, z);
	fe_sqn(t, z2, 2);
	fe_mul(t, t, z);    /* z^9 */
	fe_mul(z11, t, z2); /* z^11 */
	fe_pow2250m1(t, z);
	fe_sqn(t, t, 5);
	fe_mul(h, t, z11);
}

/* h = z^((p - 5) / 8) = z^(2^252 - 3) = e250^4 z. */
static void fe_pow22523(fe h, const fe z)
{
	fe t;

	fe_pow2250m1(t, z);
	fe_sqn(t, t, 2);
	fe_mul(h, t, z);
}

struct pt {
	fe x, y, z, t; /* extended coordinates: T Z = X Y */
};

/* A point ready to be added: (Y + X, Y - X, 2 Z, 2 d T). */
struct pt_cached {
	fe ypx, ymx, z2, t2d;
};

/* The same with Z = 1, for the const table of B. */
struct pt_affine {
	fe ypx, ymx, t2d;
};

/*
 * Odd multiples B, 3B, ..., 15B (the window for S is 4 bits wide) as
 * (y + x, y - x, 2 d x y) mod p, B = (x, 4/5) with x even (RFC 8032 5.1).
 * Made with Python integers, affine Edwards addition straight from the
 * curve equation:
 *
 *   p = 2**255 - 19; inv = lambda v: pow(v, p - 2, p)
 *   d = -121665 * inv(121666) % p; y = 4 * inv(5) % p
 *   u = (y*y - 1) * inv(d*y*y + 1); x = pow(u, (p + 3) // 8, p)
 *   if (x*x - u) % p: x = x * pow(2, (p - 1) // 4, p) % p
 *   if x & 1: x = p - x
 *   def add(P, Q):
 *       (a, b), (c, e) = P, Q; t = d * a * b * c * e
 *       return ((a*e + b*c) * inv(1 + t) % p, (b*e + a*c) * inv(1 - t) % p)
 *   P, B2 = (x, y), add((x, y), (x, y))
 *   for i in range(8): print P's (y+x, y-x, 2dxy) in limbs; P = add(P, B2)
 */
#define WIN_B 4
static const struct pt_affine base_odd[1 << (WIN_B - 1)] = {
	{{0x18c3b85, 0x124f1bd, 0x1c325f7, 0x037dc60, 0x33e4cb7, 0x03d42c2,
	  0x1a44c32, 0x14ca4e1, 0x3a33d4b, 0x01f3e74},
	 {0x340913e, 0x00e4175, 0x3d673a2, 0x02e8a05, 0x3f4e67c, 0x08f8a09,
	  0x0c21a34, 0x04cf4b8, 0x1298f81, 0x113f4be},
	 {0x37aaa68, 0x0448161, 0x093d579, 0x11e6556, 0x09b67a0, 0x143598c,
	  0x1bee5ee, 0x0b50b43, 0x289f0c6, 0x1bc45ed}},
	{{0x0ee9730, 0x16c2a13, 0x17155e4, 0x1874432, 0x0096a10, 0x1016732,
	  0x1a8014f, 0x11e9823, 0x1b9a80f, 0x1e85938},
	 {0x0fcd265, 0x047fa29, 0x34faacc, 0x1ef2e0d, 0x0ef4d4f, 0x14bd6bd,
	  0x0f98d10, 0x14c5026, 0x07555bd, 0x0aae456},
	 {0x1d0d889, 0x1a4cfc3, 0x34c4295, 0x110e1ae, 0x162508c, 0x0f2db4c,
	  0x072a2c6, 0x098da2e, 0x2f12b9b, 0x168a09a}},
	{{0x0a5bb33, 0x0af1102, 0x1a05442, 0x01e3af7, 0x2354123, 0x0bfec44,
	  0x1f5862d, 0x0dd7ba3, 0x3146e20, 0x0a51733},
	 {0x047d6ba, 0x060b0e9, 0x136eff2, 0x08a5939, 0x3540053, 0x064a087,
	  0x2788e5c, 0x0be7c67, 0x33eb1b5, 0x05529f9},
	 {0x12a8285, 0x0f6fc60, 0x23f9797, 0x03e85ee, 0x09c3820, 0x1bda72d,
	  0x1b3858d, 0x0d35683, 0x296b3bb, 0x10eaaf9}},
	{{0x04ea3bf, 0x0973425, 0x01a4d63, 0x1d59cee, 0x1d1c0d4, 0x0542e49,
	  0x1294114, 0x04fce36, 0x29283c9, 0x1186fa9},
	 {0x23221b1, 0x1cb26aa, 0x074f74d, 0x099ddd1, 0x1b28085, 0x0192c3a,
	  0x13b27c9, 0x0fc13bd, 0x1d2e531, 0x075bb75},
	 {0x1b8b3a2, 0x0db7200, 0x0935e30, 0x03829f5, 0x2cc0d7d, 0x077adf3,
	  0x220dd2c, 0x014ea53, 0x1c6a0f9, 0x1ea7eec}},
	{{0x2a8632f, 0x199e2a9, 0x0d8b365, 0x17a8de2, 0x2994279, 0x086f5b5,
	  0x119e4e3, 0x1eb39d6, 0x338add7, 0x0d2e7b4},
	 {0x39d8064, 0x1885f80, 0x0337e6d, 0x1b7a902, 0x2628206, 0x15eb044,
	  0x1e30473, 0x191f2d9, 0x11fadc9, 0x1270169},
	 {0x045af1b, 0x13a2fe4, 0x245e0d6, 0x14538ce, 0x38bfe0f, 0x1d4cf16,
	  0x37e14c9, 0x160d55e, 0x021b008, 0x1cf05c8}},
	{{0x2802ade, 0x1c02122, 0x1c4e5f7, 0x0781181, 0x39767fb, 0x1703406,
	  0x342388b, 0x1f5e227, 0x22546d8, 0x109d6ab},
	 {0x1864348, 0x1d6c092, 0x070262b, 0x14bb844, 0x0fb5acd, 0x08deb95,
	  0x03aaab5, 0x0eff474, 0x0029d5c, 0x062ad66},
	 {0x16089e9, 0x0cb317f, 0x0949b05, 0x1099417, 0x00c7ad2, 0x11a8622,
	  0x088ccda, 0x1290886, 0x22b53df, 0x0f71954}},
	{{0x2007f6d, 0x03088a8, 0x3db77ee, 0x0d5ade6, 0x2fe12ce, 0x107ba07,
	  0x107097d, 0x0482a6f, 0x2ec346f, 0x08d3f5f},
	 {0x27fbf93, 0x1c04ecc, 0x1ed6a0d, 0x04cdbbb, 0x2bbf3af, 0x0ad5968,
	  0x1591955, 0x094f3a2, 0x2d17602, 0x0099e20},
	 {0x32ea378, 0x028465c, 0x28e2a6c, 0x18efc6e, 0x090df9a, 0x1a7e533,
	  0x39bfc48, 0x10c745d, 0x3daa097, 0x125ee9b}},
	{{0x3cfeaa0, 0x1b300c4, 0x08da499, 0x068c4e1, 0x219230a, 0x1f2d4d0,
	  0x2defd60, 0x0e565b7, 0x17f12de, 0x18788a4},
	 {0x28ccf0b, 0x0f36191, 0x21ac081, 0x12154c8, 0x34e0a6e, 0x1b25192,
	  0x0180403, 0x1d7eea1, 0x0218d05, 0x10ed735},
	 {0x3d0b516, 0x09d8be6, 0x3ddcbb3, 0x071b9fe, 0x3ace2bd, 0x1d64270,
	  0x32d3ec9, 0x1084065, 0x210ae4d, 0x1447584}},
};

/* Odd multiples of -A, built at run time: each costs 160 bytes of stack. */
#define WIN_A 3

/*
 * r = p + q, q given as (ypx, ymx, z2, t2d); z2 NULL means q's Z is 1.
 * T of the result costs a multiplication: only with need_t (when another
 * addition follows; doubling does not read T). r may alias p.
 */
static void pt_add(struct pt *r, const struct pt *p, const fe ypx, const fe ymx,
		   const fe z2, const fe t2d, int need_t)
{
	fe a, b, c, d;

	fe_sub(a, p->y, p->x);
	fe_mul(a, a, ymx);
	fe_add(b, p->y, p->x);
	fe_mul(b, b, ypx);
	fe_sub(c, b, a); /* E */
	fe_add(b, b, a); /* H */
	fe_mul(a, p->t, t2d);
	if (z2) {
		fe_mul(d, p->z, z2);
	} else {
		fe_add(d, p->z, p->z);
	}
	/* p is read in full: r->t (p->t if they alias) can hold F. */
	fe_sub(r->t, d, a); /* F */
	fe_add(d, d, a);    /* G */
	fe_mul(r->x, c, r->t);
	fe_mul(r->z, r->t, d);
	fe_mul(r->y, d, b);
	if (need_t) {
		fe_mul(r->t, c, b);
	}
}

/*
 * r = 2p. With a = -1: A = X^2, B = Y^2, C = 2 Z^2, H = A + B,
 * E = (X + Y)^2 - H, G = B - A, F = C - G; X = E F, Y = G H, Z = F G,
 * T = E H (the formula with F and H negated, which negates all four
 * coordinates: the same point). r may alias p.
 */
static void pt_dbl(struct pt *r, const struct pt *p, int need_t)
{
	fe a, b, c, e;

	fe_sq(a, p->x);
	fe_sq(b, p->y);
	fe_sq(c, p->z);
	fe_add(c, c, c);
	fe_add(e, p->x, p->y);
	fe_sq(e, e);
	fe_add(r->t, a, b); /* H, parked in r->t */
	fe_sub(e, e, r->t); /* E */
	fe_sub(b, b, a);    /* G */
	fe_sub(c, c, b);    /* F */
	fe_mul(r->x, e, c);
	fe_mul(r->y, b, r->t);
	fe_mul(r->z, c, b);
	if (need_t) {
		fe_mul(r->t, e, r->t);
	}
}

static void pt_cache(struct pt_cached *c, const struct pt *p)
{
	fe_add(c->ypx, p->y, p->x);
	fe_sub(c->ymx, p->y, p->x);
	fe_add(c->z2, p->z, p->z);
	fe_mul(c->t2d, p->t, fe_d2);
}

/*
 * Decode a point (RFC 8032 5.1.3). Fails (-1) for y >= p, for y with no x
 * on the curve, and for x = 0 with the sign bit set.
 */
static int pt_decode(struct pt *p, const uint8_t s[32])
{
	fe u, v, w;
	uint8_t enc[32];
	unsigned sign = s[31] >> 7;

	fe_frombytes(p->y, s);
	/* Canonical iff re-encoding gives the same bytes. */
	fe_tobytes(enc, p->y);
	enc[31] |= (uint8_t)(sign << 7);
	if (memcmp(enc, s, 32) != 0) {
		return -1;
	}
	/* x^2 = u / v with u = y^2 - 1, v = d y^2 + 1. */
	fe_sq(u, p->y);
	fe_mul(v, u, fe_d);
	fe_sub(u, u, fe_1);
	fe_add(v, v, fe_1);
	/* Candidate root x = u v^3 (u v^7)^((p - 5) / 8). */
	fe_sq(w, v);
	fe_mul(w, w, v); /* v^3 */
	fe_sq(p->x, w);
	fe_mul(p->x, p->x, v);
	fe_mul(p->x, p->x, u); /* u v^7 */
	fe_pow22523(p->x, p->x);
	fe_mul(p->x, p->x, w);
	fe_mul(p->x, p->x, u);
	/* v x^2 is u (a root), -u (root times sqrt(-1)) or neither. */
	fe_sq(w, p->x);
	fe_mul(w, w, v);
	if (!fe_eq(w, u)) {
		fe_add(w, w, u);
		if (!fe_iszero(w)) {
			return -1;
		}
		fe_mul(p->x, p->x, fe_sqrtm1);
	}
	fe_tobytes(enc, p->x);
	if (sign && fe_iszero(p->x)) {
		return -1;
	}
	if ((enc[0] & 1u) != sign) {
		fe_sub(p->x, fe_0, p->x);
	}
	fe_copy(p->z, fe_1);
	fe_mul(p->t, p->x, p->y);
	return 0;
}

/* Encode p, destroying it (its X and Y become x and y). */
static void pt_encode(uint8_t s[32], struct pt *p)
{
	fe zi;
	unsigned sign;

	fe_inv(zi, p->z);
	fe_mul(p->x, p->x, zi);
	fe_mul(p->y, p->y, zi);
	fe_tobytes(s, p->x);
	sign = s[0] & 1u;
	fe_tobytes(s, p->y);
	s[31] |= (uint8_t)(sign << 7);
}

/*
 * Small order means [8]P is the identity. [8]P has x = 0 only for the
 * identity: (0, -1) would need P of order 16, and the group has none.
 */
static int pt_small_order(const struct pt *p)
{
	struct pt q;

	pt_dbl(&q, p, 0);
	pt_dbl(&q, &q, 0);
	pt_dbl(&q, &q, 0);
	return fe_iszero(q.x);
}

/* The group order L = 2^252 + 27742317777372353535851937790883648493. */
static const uint32_t order[8] = {0x5cf5d3edu, 0x5812631au, 0xa2f79cd6u,
				  0x14def9deu, 0,	    0,
				  0,	       0x10000000u};

static void sc_load(uint32_t w[8], const uint8_t s[32])
{
	for (unsigned i = 0; i < 8; i++) {
		w[i] = (uint32_t)s[4 * i] | ((uint32_t)s[4 * i + 1] << 8) |
		       ((uint32_t)s[4 * i + 2] << 16) |
		       ((uint32_t)s[4 * i + 3] << 24);
	}
}

static int sc_below_order(const uint32_t w[8])
{
	for (unsigned i = 8; i-- > 0;) {
		if (w[i] != order[i]) {
			return w[i] < order[i];
		}
	}
	return 0;
}

static unsigned sc_bit(const uint32_t w[8], unsigned i)
{
	return (w[i >> 5] >> (i & 31u)) & 1u;
}

/*
 * r = (512-bit little-endian h) mod L, by binary long division: the
 * remainder stays below L, so doubling it and adding a bit needs at most
 * one subtraction. Slow but plain; it runs once per signature.
 */
static void sc_reduce(uint32_t r[8], const uint8_t h[64])
{
	memset(r, 0, 8 * sizeof(r[0]));
	for (unsigned b = 512; b-- > 0;) {
		uint32_t c = (h[b >> 3] >> (b & 7u)) & 1u;
		uint32_t borrow = 0;

		for (unsigned i = 0; i < 8; i++) {
			uint32_t top = r[i] >> 31;

			r[i] = (r[i] << 1) | c;
			c = top;
		}
		if (sc_below_order(r)) {
			continue;
		}
		for (unsigned i = 0; i < 8; i++) {
			uint64_t d = (uint64_t)r[i] - order[i] - borrow;

			r[i] = (uint32_t)d;
			borrow = (uint32_t)(d >> 63);
		}
	}
}

/*
 * Left-to-right sliding window over one scalar. At bit i with no window
 * open and the bit set, open one: the bits i..j, j as low as i - width + 1
 * but on a set bit, so the digit is odd. Its addition is due after the
 * doubling for bit j.
 */
struct window {
	int due;	/* bit at which to add; -1: no window open */
	unsigned digit; /* odd, below 2^width */
};

static void window_open(struct window *w, const uint32_t s[8], int i, int width)
{
	int j = i - width + 1;

	if (w->due >= 0 || !sc_bit(s, (unsigned)i)) {
		return;
	}
	if (j < 0) {
		j = 0;
	}
	while (!sc_bit(s, (unsigned)j)) {
		j++;
	}
	w->digit = 0;
	for (int m = i; m >= j; m--) {
		w->digit = (w->digit << 1) | sc_bit(s, (unsigned)m);
	}
	w->due = j;
}

/*
 * Encode [s]B + [k]P for s, k < L < 2^253; P = (px, py) is a decoded point
 * (affine, so Z = 1).
 */
static void double_scalarmult(uint8_t out[32], const uint32_t s[8],
			      const uint32_t k[8], const fe px, const fe py)
{
	enum { NTAB = 1 << (WIN_A - 1) };
	struct pt_cached tab[NTAB];
	struct pt acc;
	struct window ws = {-1, 0}, wk = {-1, 0};
	int started = 0;

	/*
	 * tab[i] = (2i + 1) P, stepping by 2P, which waits in the last slot
	 * until the last step overwrites it (it is read before that).
	 */
	fe_copy(acc.x, px);
	fe_copy(acc.y, py);
	fe_copy(acc.z, fe_1);
	fe_mul(acc.t, px, py);
	pt_cache(&tab[0], &acc);
	pt_dbl(&acc, &acc, 1);
	pt_cache(&tab[NTAB - 1], &acc);
	pt_add(&acc, &acc, tab[0].ypx, tab[0].ymx, tab[0].z2, tab[0].t2d, 1);
	pt_cache(&tab[1], &acc);
	for (unsigned i = 2; i < NTAB; i++) {
		const struct pt_cached *two = &tab[NTAB - 1];

		pt_add(&acc, &acc, two->ypx, two->ymx, two->z2, two->t2d, 1);
		pt_cache(&tab[i], &acc);
	}

	fe_copy(acc.x, fe_0);
	fe_copy(acc.y, fe_1);
	fe_copy(acc.z, fe_1);
	fe_copy(acc.t, fe_0);
	for (int i = 252; i >= 0; i--) {
		int add_s, add_k;

		window_open(&ws, s, i, WIN_B);
		window_open(&wk, k, i, WIN_A);
		add_s = ws.due == i;
		add_k = wk.due == i;
		/* Doubling the identity is a no-op: skip the leading ones. */
		if (started) {
			pt_dbl(&acc, &acc, add_s || add_k);
		}
		if (add_s) {
			const struct pt_affine *q = &base_odd[ws.digit >> 1];

			pt_add(&acc, &acc, q->ypx, q->ymx, NULL, q->t2d, add_k);
			ws.due = -1;
			started = 1;
		}
		if (add_k) {
			const struct pt_cached *q = &tab[wk.digit >> 1];

			pt_add(&acc, &acc, q->ypx, q->ymx, q->z2, q->t2d, 0);
			wk.due = -1;
			started = 1;
		}
	}
	pt_encode(out, &acc);
}

int iap_ed25519_verify_init(struct iap_ed25519_verify *v,
			    const uint8_t sig[IAP_ED25519_SIG_SIZE],
			    const uint8_t pub[IAP_ED25519_PUB_SIZE])
{
	struct pt a;
	uint32_t s[8];

	if (!v) {
		return IAP_ERR_INVAL;
	}
	memset(v, 0, sizeof(*v));
	v->err = IAP_ERR_INVAL;
	if (!sig || !pub) {
		return v->err;
	}
	if (pt_decode(&a, pub) != 0 || pt_small_order(&a)) {
		return v->err;
	}
	/* S >= L would let S + L pass as a second signature. */
	sc_load(s, &sig[32]);
	if (!sc_below_order(s)) {
		v->err = IAP_ERR_CORRUPT;
		return v->err;
	}
	/* Keep -A: the check computes [S]B + [k](-A). */
	fe_sub(a.x, fe_0, a.x);
	memcpy(&v->nega[0], a.x, sizeof(fe));
	memcpy(&v->nega[10], a.y, sizeof(fe));
	memcpy(v->sig, sig, IAP_ED25519_SIG_SIZE);
	iap_sha512_init(&v->sha);
	iap_sha512_update(&v->sha, sig, 32);
	iap_sha512_update(&v->sha, pub, IAP_ED25519_PUB_SIZE);
	v->err = 0;
	return 0;
}

void iap_ed25519_verify_update(struct iap_ed25519_verify *v,
			       const uint8_t *data, size_t len)
{
	if (v && v->err == 0) {
		iap_sha512_update(&v->sha, data, len);
	}
}

int iap_ed25519_verify_final(struct iap_ed25519_verify *v)
{
	uint8_t r[32];
	uint32_t s[8], k[8];
	int err;

	if (!v) {
		return IAP_ERR_INVAL;
	}
	err = v->err;
	/* A second final() without init() must not pass. */
	v->err = IAP_ERR_INVAL;
	if (err) {
		return err;
	}
	/* Own scope: the compiler may reuse h's stack for the tables. */
	{
		uint8_t h[IAP_SHA512_SIZE];

		iap_sha512_final(&v->sha, h);
		sc_reduce(k, h);
	}
	sc_load(s, &v->sig[32]);
	double_scalarmult(r, s, k, &v->nega[0], &v->nega[10]);
	return memcmp(r, v->sig, 32) == 0 ? 0 : IAP_ERR_CORRUPT;
}

int iap_ed25519_verify(const uint8_t sig[IAP_ED25519_SIG_SIZE],
		       const uint8_t pub[IAP_ED25519_PUB_SIZE],
		       const uint8_t *msg, size_t len)
{
	struct iap_ed25519_verify v;
	int err;

	if (!msg && len) {
		return IAP_ERR_INVAL;
	}
	err = iap_ed25519_verify_init(&v, sig, pub);
	if (err) {
		return err;
	}
	iap_ed25519_verify_update(&v, msg, len);
	return iap_ed25519_verify_final(&v);
}
