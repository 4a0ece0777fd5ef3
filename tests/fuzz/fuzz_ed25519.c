/*
 * libFuzzer target: the verify-only Ed25519 of the core (iap_ed25519.h,
 * src/ed25519.c, src/sha512.c) against OpenSSL 3's libcrypto, and against
 * the group law computed here with OpenSSL's BIGNUMs (a plain, slow
 * reference: extended coordinates, the unified a = -1 addition).
 *
 * Input: byte 0 the mode (mod 3), byte 1 the seed of the piece sizes for
 * the streaming API (and bit 0: a NULL message when it is empty), then
 *   mode 0, raw:     public key A (32 bytes), signature R || S (64), the
 *                    message (the rest)
 *   mode 1, OpenSSL: private key (32-byte RFC 8032 seed), op, bit position
 *                    (2 bytes, little-endian), message: OpenSSL signs the
 *                    message with the key, then op mutates the case
 *   mode 2, torsion: seed of a (32), seed of r (32), kind, op, bit
 *                    position (2), message: signed here with A = [a]B and
 *                    R = [r]B (a, r the clamped scalars of the seeds, the
 *                    points from OpenSSL), after kind (bits 3..4, mod 4)
 *                    has added the small-order point T_j (j = bits 0..2,
 *                    T_j = [j]T_1, T_1 of order 8) to nothing (0), to A
 *                    (1) or to R (2), or made A = T_j with a = 0 (3):
 *                    k = SHA-512(R || A || M) mod L, S = r + k a mod L.
 *                    The cofactorless equation [S]B = R + [k]A then holds
 *                    exactly when [k]T_A + T_R is the identity.
 * op (mod 8): 0 nothing, 1 flip message bit pos, 2 flip signature bit pos,
 * 3 flip public key bit pos, 4 S += L, 5 drop the message's last byte,
 * 6 append byte pos & 0xFF to the message, 7 S = L - 1 + (pos & 1).
 *
 * Asserted: the verdict of iap_ed25519_verify() is exactly
 *   - IAP_ERR_INVAL when A is not a strict key by the reference decoder
 *     (y >= p, no x on the curve, x = 0 with the sign bit set, small
 *     order: [8]A is the identity),
 *   - else IAP_ERR_CORRUPT when S >= L,
 *   - else 0 or IAP_ERR_CORRUPT, and in modes 1 and 2: 0 exactly when no
 *     op changed the case and the equation holds;
 * the streaming form (init, update in pieces of 0 .. 256 bytes, some with
 * NULL, final) gives the same result (init already the INVAL/CORRUPT of
 * the key and S, a second final IAP_ERR_INVAL); a NULL signature, key,
 * context, or message with a length, is IAP_ERR_INVAL; and OpenSSL
 * (EVP_DigestVerify with the raw public key) agrees: it accepts exactly
 * when ours returns 0, except for this one explained class:
 *
 *   A of small order (also a non-canonical encoding of one: y = p or
 *   p + 1, or x = 0 with the sign bit set). OpenSSL 3.0 decodes A leniently
 *   (y taken mod p, the sign of x = 0 ignored) and does not refuse small
 *   order keys, so it accepts any signature that satisfies the equation,
 *   e.g. A = identity, R = identity, S = 0 for every message. Ours refuses
 *   such keys (IAP_ERR_INVAL): with them, one signature passes for many
 *   messages. For that class only, OpenSSL's verdict is not compared with
 *   ours; in mode 2 (kind 3, no op) it is checked against the equation.
 *
 * Any other key ours refuses OpenSSL must refuse too (with y >= p and not
 * of small order, or not on the curve, no signature can be valid); S >= L
 * and non-canonical R are refused by both.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "fuzz.h"
#include "iap/iap_ed25519.h"
#include "iap/iap_err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- reference arithmetic: GF(p), points, scalars mod L ----------- */

struct ep {
	BIGNUM *x, *y, *z, *t; /* extended: x = X/Z, y = Y/Z, xy = T/Z */
};

static BN_CTX *bn;
static BIGNUM *fp, *fd, *fd2, *order, *tmp[8];

/* The 8 points of small order, T_j = [j]T_1, and their orders. */
static struct ep tors[8];
static unsigned tors_order[8];

static BIGNUM *bn_new(void)
{
	BIGNUM *b = BN_new();

	CHECK(b != NULL);
	return b;
}

static void fadd(BIGNUM *r, const BIGNUM *a, const BIGNUM *b)
{
	CHECK(BN_mod_add(r, a, b, fp, bn));
}

static void fsub(BIGNUM *r, const BIGNUM *a, const BIGNUM *b)
{
	CHECK(BN_mod_sub(r, a, b, fp, bn));
}

static void fmul(BIGNUM *r, const BIGNUM *a, const BIGNUM *b)
{
	CHECK(BN_mod_mul(r, a, b, fp, bn));
}

static void ep_new(struct ep *e)
{
	e->x = bn_new();
	e->y = bn_new();
	e->z = bn_new();
	e->t = bn_new();
	BN_zero(e->x);
	CHECK(BN_one(e->y) && BN_one(e->z));
	BN_zero(e->t);
}

static void ep_free(struct ep *e)
{
	BN_free(e->x);
	BN_free(e->y);
	BN_free(e->z);
	BN_free(e->t);
}

static void ep_copy(struct ep *r, const struct ep *p)
{
	CHECK(BN_copy(r->x, p->x) && BN_copy(r->y, p->y) &&
	      BN_copy(r->z, p->z) && BN_copy(r->t, p->t));
}

/*
 * r = p + q (r may be p or q): complete for a = -1 and d not a square, so
 * it doubles and adds the identity too (Hisil et al. 2008, 3.1).
 */
static void ep_add(struct ep *r, const struct ep *p, const struct ep *q)
{
	BIGNUM *a = tmp[0], *b = tmp[1], *c = tmp[2], *d = tmp[3];
	BIGNUM *e = tmp[4], *f = tmp[5], *g = tmp[6], *h = tmp[7];

	fsub(a, p->y, p->x);
	fsub(e, q->y, q->x);
	fmul(a, a, e);
	fadd(b, p->y, p->x);
	fadd(e, q->y, q->x);
	fmul(b, b, e);
	fmul(c, p->t, fd2);
	fmul(c, c, q->t);
	fmul(d, p->z, q->z);
	fadd(d, d, d);
	fsub(e, b, a);
	fsub(f, d, c);
	fadd(g, d, c);
	fadd(h, b, a);
	fmul(r->x, e, f);
	fmul(r->y, g, h);
	fmul(r->t, e, h);
	fmul(r->z, f, g);
}

static int ep_is_identity(const struct ep *p)
{
	return BN_is_zero(p->x) && BN_cmp(p->y, p->z) == 0;
}

/* r = [k]p, double and add from the top bit. */
static void ep_mul(struct ep *r, const BIGNUM *k, const struct ep *p)
{
	struct ep q, acc;

	ep_new(&q);
	ep_new(&acc);
	ep_copy(&q, p);
	for (int i = BN_num_bits(k) - 1; i >= 0; i--) {
		ep_add(&acc, &acc, &acc);
		if (BN_is_bit_set(k, i)) {
			ep_add(&acc, &acc, &q);
		}
	}
	ep_copy(r, &acc);
	ep_free(&q);
	ep_free(&acc);
}

static int ep_small_order(const struct ep *p)
{
	struct ep q;
	int small;

	ep_new(&q);
	ep_add(&q, p, p);
	ep_add(&q, &q, &q);
	ep_add(&q, &q, &q);
	small = ep_is_identity(&q);
	ep_free(&q);
	return small;
}

/* RFC 8032 5.1.2: y little-endian, the sign of x in bit 255. */
static void ep_encode(uint8_t out[32], const struct ep *p)
{
	BIGNUM *zi = tmp[0], *x = tmp[1], *y = tmp[2];

	CHECK(BN_mod_inverse(zi, p->z, fp, bn) != NULL);
	fmul(x, p->x, zi);
	fmul(y, p->y, zi);
	CHECK(BN_bn2lebinpad(y, out, 32) == 32);
	out[31] = (uint8_t)(out[31] | (BN_is_odd(x) ? 0x80u : 0u));
}

struct key_info {
	int canonical; /* y < p */
	int on_curve;  /* y mod p has an x */
	int x0_sign;   /* x = 0 and the sign bit set */
	int small;     /* on the curve, [8]A = identity */
};

/*
 * RFC 8032 5.1.3, but lenient, to classify: y is taken mod p and x = 0
 * with the sign bit is taken as x = 0; what was bent is said in ki.
 * Returns ki->on_curve; p is the point then.
 */
static int ep_decode(struct ep *p, const uint8_t in[32], struct key_info *ki)
{
	BIGNUM *u = tmp[0], *v = tmp[1], *x2 = tmp[2];
	uint8_t b[32];
	int sign = in[31] >> 7;

	memset(ki, 0, sizeof(*ki));
	memcpy(b, in, 32);
	b[31] &= 0x7Fu;
	CHECK(BN_lebin2bn(b, 32, p->y) != NULL);
	ki->canonical = BN_cmp(p->y, fp) < 0;
	CHECK(BN_nnmod(p->y, p->y, fp, bn));
	/* x^2 = (y^2 - 1) / (d y^2 + 1); the divisor is never 0. */
	fmul(u, p->y, p->y);
	fmul(v, u, fd);
	fsub(u, u, BN_value_one());
	fadd(v, v, BN_value_one());
	CHECK(BN_mod_inverse(v, v, fp, bn) != NULL);
	fmul(x2, u, v);
	if (BN_is_zero(x2)) {
		BN_zero(p->x);
		ki->x0_sign = sign;
	} else {
		if (!BN_mod_sqrt(p->x, x2, fp, bn)) {
			ERR_clear_error();
			return 0;
		}
		fmul(u, p->x, p->x);
		CHECK(BN_cmp(u, x2) == 0);
		if (BN_is_odd(p->x) != sign) {
			CHECK(BN_sub(p->x, fp, p->x));
		}
	}
	CHECK(BN_one(p->z));
	fmul(p->t, p->x, p->y);
	ki->on_curve = 1;
	ki->small = ep_small_order(p);
	return 1;
}

static int key_strict(const struct key_info *ki)
{
	return ki->canonical && ki->on_curve && !ki->x0_sign && !ki->small;
}

static void classify(const uint8_t pub[32], struct key_info *ki)
{
	struct ep a;

	ep_new(&a);
	ep_decode(&a, pub, ki);
	ep_free(&a);
}

static int s_below_order(const uint8_t s[32])
{
	BIGNUM *v = tmp[0];

	CHECK(BN_lebin2bn(s, 32, v) != NULL);
	return BN_cmp(v, order) < 0;
}

/* The digest of the pieces given, as a number. */
static void sha512_num(BIGNUM *r, const uint8_t *a, size_t alen,
		       const uint8_t *b, size_t blen, const uint8_t *c,
		       size_t clen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t h[64];
	unsigned hl = 0;

	CHECK(ctx != NULL);
	CHECK(EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) == 1);
	CHECK(EVP_DigestUpdate(ctx, a, alen) == 1);
	CHECK(EVP_DigestUpdate(ctx, b, blen) == 1);
	if (clen) {
		CHECK(EVP_DigestUpdate(ctx, c, clen) == 1);
	}
	CHECK(EVP_DigestFinal_ex(ctx, h, &hl) == 1 && hl == 64);
	EVP_MD_CTX_free(ctx);
	CHECK(BN_lebin2bn(h, 64, r) != NULL);
}

/* RFC 8032 5.1.5: the secret scalar of a seed, clamped. */
static void seed_scalar(BIGNUM *r, const uint8_t seed[32])
{
	uint8_t h[64];
	unsigned hl = 0;

	CHECK(EVP_Digest(seed, 32, h, &hl, EVP_sha512(), NULL) == 1);
	h[0] &= 248u;
	h[31] &= 127u;
	h[31] |= 64u;
	CHECK(BN_lebin2bn(h, 32, r) != NULL);
}

/* ---- OpenSSL ------------------------------------------------------ */

static const uint8_t empty_msg[1];

static EVP_PKEY *ossl_key(const uint8_t seed[32], uint8_t pub[32])
{
	EVP_PKEY *k =
		EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t pl = 32;

	CHECK(k != NULL);
	CHECK(EVP_PKEY_get_raw_public_key(k, pub, &pl) == 1 && pl == 32);
	return k;
}

static void ossl_sign(EVP_PKEY *k, const uint8_t *msg, size_t len,
		      uint8_t sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t sl = 64;

	CHECK(ctx != NULL);
	CHECK(EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1);
	CHECK(EVP_DigestSign(ctx, sig, &sl, len ? msg : empty_msg, len) == 1 &&
	      sl == 64);
	EVP_MD_CTX_free(ctx);
}

/* 1: OpenSSL accepts the signature, 0: it refuses it. */
static int ossl_verify(const uint8_t pub[32], const uint8_t sig[64],
		       const uint8_t *msg, size_t len)
{
	EVP_PKEY *k =
		EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r;

	CHECK(k != NULL && ctx != NULL);
	CHECK(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1);
	r = EVP_DigestVerify(ctx, sig, 64, len ? msg : empty_msg, len);
	CHECK(r == 0 || r == 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return r;
}

/* ---- set-up: constants, the small-order points --------------------- */

static void hex_bn(BIGNUM **r, const char *hex)
{
	*r = NULL;
	CHECK(BN_hex2bn(r, hex) != 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ep p, q;
	BIGNUM *k;
	uint8_t enc[32];

	(void)argc;
	(void)argv;
	bn = BN_CTX_new();
	CHECK(bn != NULL);
	for (unsigned i = 0; i < 8; i++) {
		tmp[i] = bn_new();
	}
	/* p = 2^255 - 19, L = 2^252 + 27742317777372353535851937790883648493 */
	hex_bn(&fp, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
		    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFED");
	hex_bn(&order, "10000000000000000000000000000000"
		       "14DEF9DEA2F79CD65812631A5CF5D3ED");
	/* d = -121665 / 121666, 2d */
	fd = bn_new();
	fd2 = bn_new();
	k = bn_new();
	CHECK(BN_set_word(k, 121666));
	CHECK(BN_mod_inverse(fd, k, fp, bn) != NULL);
	CHECK(BN_set_word(k, 121665));
	fmul(fd, fd, k);
	CHECK(BN_sub(fd, fp, fd));
	fadd(fd2, fd, fd);

	/*
	 * T_1: [L]P for the first point P with y = 2, 3, ... whose [L]P has
	 * order 8 (the curve's group is Z/L x Z/8).
	 */
	ep_new(&p);
	ep_new(&q);
	memset(enc, 0, sizeof(enc));
	for (unsigned y = 2;; y++) {
		struct key_info ki;

		CHECK(y < 256);
		enc[0] = (uint8_t)y;
		if (!ep_decode(&p, enc, &ki)) {
			continue;
		}
		ep_mul(&q, order, &p);
		CHECK(ep_small_order(&q));
		ep_add(&p, &q, &q);
		ep_add(&p, &p, &p);
		if (!ep_is_identity(&p)) {
			break;
		}
	}
	for (unsigned j = 0; j < 8; j++) {
		ep_new(&tors[j]);
		if (j) {
			ep_add(&tors[j], &tors[j - 1], &q);
		}
		ep_copy(&p, &tors[j]);
		tors_order[j] = 1;
		while (!ep_is_identity(&p)) {
			ep_add(&p, &p, &tors[j]);
			tors_order[j]++;
		}
		CHECK(tors_order[j] == 8u / (j & -j ? (unsigned)(j & -j) : 8u));
	}
	/* T_0 encodes as the identity (y = 1), T_4 as (0, -1). */
	ep_encode(enc, &tors[0]);
	CHECK(enc[0] == 1 && enc[31] == 0);
	ep_encode(enc, &tors[4]);
	CHECK(enc[0] == 0xEC && enc[31] == 0x7F);
	ep_free(&p);
	ep_free(&q);
	BN_free(k);
	return 0;
}

/* ---- one case ------------------------------------------------------ */

struct tcase {
	uint8_t pub[32], sig[64];
	uint8_t *msg; /* room for len + 1 */
	size_t len;
	int valid; /* modes 1, 2: the equation holds (before any op) */
	int known; /* modes 1, 2: valid is known */
};

/* Apply op; returns 1 when it changed the case. */
static int mutate(struct tcase *c, unsigned op, unsigned pos)
{
	BIGNUM *s = tmp[0];

	switch (op % 8u) {
	case 1:
		if (!c->len) {
			return 0;
		}
		c->msg[(pos >> 3) % c->len] ^= (uint8_t)(1u << (pos & 7u));
		return 1;
	case 2:
		c->sig[(pos >> 3) % 64u] ^= (uint8_t)(1u << (pos & 7u));
		return 1;
	case 3:
		c->pub[(pos >> 3) % 32u] ^= (uint8_t)(1u << (pos & 7u));
		return 1;
	case 4:
		/* S < L < 2^253: S + L still fits 32 bytes. */
		CHECK(BN_lebin2bn(&c->sig[32], 32, s) != NULL);
		CHECK(BN_add(s, s, order));
		CHECK(BN_bn2lebinpad(s, &c->sig[32], 32) == 32);
		return 1;
	case 5:
		if (!c->len) {
			return 0;
		}
		c->len--;
		return 1;
	case 6:
		c->msg[c->len++] = (uint8_t)pos;
		return 1;
	case 7:
		/* Either side of the bound: S = L - 1 or S = L. */
		CHECK(BN_copy(s, order) != NULL);
		CHECK(BN_sub_word(s, (pos & 1u) ? 0 : 1));
		CHECK(BN_bn2lebinpad(s, &c->sig[32], 32) == 32);
		return 1;
	default:
		return 0;
	}
}

static void run_case(const struct tcase *c, uint8_t pieces, int kind3)
{
	struct iap_ed25519_verify v;
	struct key_info ki;
	uint32_t rnd = pieces | 0x100u;
	uint8_t *msg = NULL;
	int want_init, ours, ri, rf, ossl;
	size_t pos = 0;

	/* The message alone on the heap, NULL when empty and asked so. */
	if (c->len || !(pieces & 1u)) {
		msg = malloc(c->len ? c->len : 1);
		CHECK(msg != NULL);
		memcpy(msg, c->msg, c->len);
	}

	classify(c->pub, &ki);
	if (!key_strict(&ki)) {
		want_init = IAP_ERR_INVAL;
	} else if (!s_below_order(&c->sig[32])) {
		want_init = IAP_ERR_CORRUPT;
	} else {
		want_init = 0;
	}

	ours = iap_ed25519_verify(c->sig, c->pub, msg, c->len);
	if (want_init) {
		CHECK(ours == want_init);
	} else {
		CHECK(ours == 0 || ours == IAP_ERR_CORRUPT);
		if (c->known) {
			CHECK((ours == 0) == c->valid);
		}
	}

	/* Streaming, in pieces of 0 .. 256 bytes. */
	ri = iap_ed25519_verify_init(&v, c->sig, c->pub);
	CHECK(ri == want_init);
	while (pos < c->len) {
		uint32_t x = fuzz_rand(&rnd);
		size_t k = (x & 7u) == 0 ? 0 : 1 + (x >> 3) % 256u;

		if (k > c->len - pos) {
			k = c->len - pos;
		}
		iap_ed25519_verify_update(&v, k ? &msg[pos] : NULL, k);
		pos += k;
	}
	iap_ed25519_verify_update(&v, NULL, 0);
	rf = iap_ed25519_verify_final(&v);
	CHECK(rf == ours);
	CHECK(iap_ed25519_verify_final(&v) == IAP_ERR_INVAL);

	/* NULL arguments. */
	CHECK(iap_ed25519_verify(NULL, c->pub, msg, c->len) == IAP_ERR_INVAL);
	CHECK(iap_ed25519_verify(c->sig, NULL, msg, c->len) == IAP_ERR_INVAL);
	if (c->len) {
		CHECK(iap_ed25519_verify(c->sig, c->pub, NULL, c->len) ==
		      IAP_ERR_INVAL);
	}
	CHECK(iap_ed25519_verify_init(NULL, c->sig, c->pub) == IAP_ERR_INVAL);
	CHECK(iap_ed25519_verify_init(&v, NULL, c->pub) == IAP_ERR_INVAL);
	iap_ed25519_verify_update(&v, msg, c->len);
	iap_ed25519_verify_update(NULL, msg, c->len);
	CHECK(iap_ed25519_verify_final(&v) == IAP_ERR_INVAL);
	CHECK(iap_ed25519_verify_final(NULL) == IAP_ERR_INVAL);

	ossl = ossl_verify(c->pub, c->sig, msg, c->len);
	if (getenv("IAP_FUZZ_TRACE")) {
		/* What a seed reaches: IAP_FUZZ_TRACE=1 fuzz_ed25519 SEED */
		fprintf(stderr,
			"key: canonical %d on curve %d x0-sign %d small %d; "
			"len %zu; ours %d, OpenSSL %d, equation %s\n",
			ki.canonical, ki.on_curve, ki.x0_sign, ki.small, c->len,
			ours, ossl,
			c->known ? (c->valid ? "holds" : "fails") : "?");
	}
	if (key_strict(&ki)) {
		CHECK(ossl == (ours == 0));
	} else if (ki.on_curve && ki.small) {
		/* The explained class: see the top of the file. */
		if (kind3 && c->known) {
			CHECK(ossl == c->valid);
		}
	} else {
		CHECK(ossl == 0);
	}
	free(msg);
}

static void mode_raw(const uint8_t *d, size_t n, uint8_t pieces)
{
	struct tcase c;

	if (n < 96) {
		return;
	}
	memset(&c, 0, sizeof(c));
	memcpy(c.pub, d, 32);
	memcpy(c.sig, d + 32, 64);
	c.len = n - 96;
	c.msg = malloc(c.len + 1);
	CHECK(c.msg != NULL);
	memcpy(c.msg, d + 96, c.len);
	run_case(&c, pieces, 0);
	free(c.msg);
}

static void mode_openssl(const uint8_t *d, size_t n, uint8_t pieces)
{
	struct tcase c;
	EVP_PKEY *k;

	if (n < 35) {
		return;
	}
	memset(&c, 0, sizeof(c));
	c.len = n - 35;
	c.msg = malloc(c.len + 1);
	CHECK(c.msg != NULL);
	memcpy(c.msg, d + 35, c.len);
	k = ossl_key(d, c.pub);
	ossl_sign(k, c.msg, c.len, c.sig);
	EVP_PKEY_free(k);
	c.known = 1;
	c.valid = !mutate(&c, d[32], (unsigned)(d[33] | d[34] << 8));
	run_case(&c, pieces, 0);
	free(c.msg);
}

static void mode_torsion(const uint8_t *d, size_t n, uint8_t pieces)
{
	struct tcase c;
	struct key_info ki;
	struct ep pa, pr;
	BIGNUM *a = bn_new(), *r = bn_new(), *k = bn_new(), *s = bn_new();
	unsigned j, kind;
	EVP_PKEY *key;
	int mutated;

	if (n < 68) {
		BN_free(a);
		BN_free(r);
		BN_free(k);
		BN_free(s);
		return;
	}
	j = d[64] & 7u;
	kind = (d[64] >> 3) % 4u;
	memset(&c, 0, sizeof(c));
	c.len = n - 68;
	c.msg = malloc(c.len + 1);
	CHECK(c.msg != NULL);
	memcpy(c.msg, d + 68, c.len);
	ep_new(&pa);
	ep_new(&pr);

	/* A = [a]B and R = [r]B, the points from OpenSSL. */
	seed_scalar(a, d);
	seed_scalar(r, d + 32);
	key = ossl_key(d, c.pub);
	EVP_PKEY_free(key);
	key = ossl_key(d + 32, c.sig);
	EVP_PKEY_free(key);
	CHECK(ep_decode(&pa, c.pub, &ki) && key_strict(&ki));
	CHECK(ep_decode(&pr, c.sig, &ki) && key_strict(&ki));
	switch (kind) {
	case 1:
		ep_add(&pa, &pa, &tors[j]);
		ep_encode(c.pub, &pa);
		break;
	case 2:
		ep_add(&pr, &pr, &tors[j]);
		ep_encode(c.sig, &pr);
		break;
	case 3:
		BN_zero(a);
		ep_encode(c.pub, &tors[j]);
		break;
	default:
		break;
	}

	/* k = SHA-512(R || A || M) mod L, S = r + k a mod L. */
	sha512_num(k, c.sig, 32, c.pub, 32, c.msg, c.len);
	CHECK(BN_nnmod(k, k, order, bn));
	CHECK(BN_mod_mul(s, k, a, order, bn));
	CHECK(BN_mod_add(s, s, r, order, bn));
	CHECK(BN_bn2lebinpad(s, &c.sig[32], 32) == 32);

	/* Holds iff [k]T_A + T_R is the identity. */
	switch (kind) {
	case 1:
	case 3:
		c.valid = BN_mod_word(k, tors_order[j]) == 0;
		break;
	case 2:
		c.valid = j == 0;
		break;
	default:
		c.valid = 1;
		break;
	}
	c.known = 1;
	mutated = mutate(&c, d[65], (unsigned)(d[66] | d[67] << 8));
	if (mutated) {
		c.valid = 0;
	}
	/*
	 * A = T_j: OpenSSL's verdict is the equation's, but only unmutated:
	 * the same S then passes for any message whose k is a multiple of
	 * the order of T_j, which is why ours refuses such keys.
	 */
	run_case(&c, pieces, kind == 3 && !mutated);
	ep_free(&pa);
	ep_free(&pr);
	BN_free(a);
	BN_free(r);
	BN_free(k);
	BN_free(s);
	free(c.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2) {
		return 0;
	}
	switch (data[0] % 3u) {
	case 0:
		mode_raw(data + 2, size - 2, data[1]);
		break;
	case 1:
		mode_openssl(data + 2, size - 2, data[1]);
		break;
	default:
		mode_torsion(data + 2, size - 2, data[1]);
		break;
	}
	return 0;
}
