/*
 * iap keygen - a new Ed25519 signing key: the private key as PKCS#8 PEM
 * (mode 0600), the public key as SubjectPublicKeyInfo PEM, the same files
 * `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.
 * Both are written to NAME.tmp and renamed into place only once both are
 * complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "iap/iap_err.h"
#include "iap_cli.h"
#include "sigkey.h"

static void keygen_usage(FILE *out)
{
	fprintf(out,
		"usage: iap keygen -o KEY.pem [--pub KEY.pub.pem] [--force]\n"
		"\n"
		"Make a new Ed25519 key pair for signing images: the private "
		"key as\n"
		"PKCS#8 PEM (file mode 0600), the public key as "
		"SubjectPublicKeyInfo PEM.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE   the private key to write (required)\n"
		"      --pub FILE      the public key to write (default: "
		"FILE with\n"
		"                      .pem replaced by .pub.pem)\n"
		"      --force         replace existing files\n"
		"  -h, --help          show this text\n"
		"\n"
		"Exit status: 0 ok, 1 failure, 2 usage error.\n");
}

#define usage_error(...) iap_usage_error("keygen", __VA_ARGS__)

/* KEY.pem -> KEY.pub.pem, anything else -> NAME.pub.pem; malloc'd. */
static char *default_pub_name(const char *priv)
{
	size_t n = strlen(priv);
	char *s = malloc(n + sizeof(".pub.pem"));

	if (!s) {
		return NULL;
	}
	if (n > 4 && !strcmp(priv + n - 4, ".pem")) {
		n -= 4;
	}
	memcpy(s, priv, n);
	memcpy(s + n, ".pub.pem", sizeof(".pub.pem"));
	return s;
}

/*
 * Write len bytes to PATH.tmp, created afresh with the given mode, synced
 * and closed. Returns 0 and the malloc'd tmp name for iap_tmp_commit(), or
 * IAP_ERR_IO with nothing left behind.
 */
static int write_tmp(const char *path, const void *data, size_t len,
		     mode_t mode, char **tmp, char *err, size_t errlen)
{
	size_t n = strlen(path);
	char *t = malloc(n + sizeof(".tmp"));
	const char *p = data;
	int fd;

	*tmp = NULL;
	if (!t) {
		snprintf(err, errlen, "%s: out of memory", path);
		return IAP_ERR_IO;
	}
	memcpy(t, path, n);
	memcpy(t + n, ".tmp", sizeof(".tmp"));
	/* A leftover PATH.tmp may have looser permissions: start afresh. */
	unlink(t);
	fd = open(t, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s", t,
			 strerror(errno));
		free(t);
		return IAP_ERR_IO;
	}
	if (fchmod(fd, mode) != 0) {
		goto fail;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	*tmp = t;
	return 0;
fail:
	snprintf(err, errlen, "%s: write error: %s", t, strerror(errno));
	if (fd >= 0) {
		close(fd);
	}
	unlink(t);
	free(t);
	return IAP_ERR_IO;
}

/* The PEM text of key (private or public) in a memory BIO, or NULL. */
static BIO *pem_of(EVP_PKEY *key, int private)
{
	BIO *b = BIO_new(private ? BIO_s_secmem() : BIO_s_mem());
	int ok;

	if (!b) {
		return NULL;
	}
	ok = private ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
						NULL)
		     : PEM_write_bio_PUBKEY(b, key);
	if (!ok) {
		BIO_free(b);
		return NULL;
	}
	return b;
}

static int keygen(const char *priv, const char *pub, int force)
{
	char err[IAP_ERRMSG_SIZE];
	char *tmp_priv = NULL, *tmp_pub = NULL;
	BIO *bpriv = NULL, *bpub = NULL;
	EVP_PKEY *key = NULL;
	uint8_t raw[32];
	char *dpriv, *dpub;
	long npriv, npub;
	struct stat sb;
	int rc = 1;

	if (!force) {
		const char *names[2] = {priv, pub};

		for (int i = 0; i < 2; i++) {
			if (stat(names[i], &sb) == 0) {
				fprintf(stderr,
					"%s: already exists (--force replaces "
					"it)\n",
					names[i]);
				return 1;
			}
		}
	}
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (key) {
		bpriv = pem_of(key, 1);
		bpub = pem_of(key, 0);
	}
	if (!key || !bpriv || !bpub || iap_key_raw_public(key, raw) < 0) {
		const char *why =
			ERR_reason_error_string(ERR_peek_last_error());

		fprintf(stderr, "%s: cannot generate an Ed25519 key: %s\n",
			priv, why ? why : "OpenSSL error");
		ERR_clear_error();
		goto out;
	}
	npriv = BIO_get_mem_data(bpriv, &dpriv);
	npub = BIO_get_mem_data(bpub, &dpub);
	if (write_tmp(priv, dpriv, (size_t)npriv, 0600, &tmp_priv, err,
		      sizeof(err)) < 0 ||
	    write_tmp(pub, dpub, (size_t)npub, 0644, &tmp_pub, err,
		      sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	/* Both complete: now rename, the private key first. */
	if (iap_tmp_commit(tmp_priv, priv, 1, err, sizeof(err)) < 0) {
		tmp_priv = NULL;
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	tmp_priv = NULL;
	if (iap_tmp_commit(tmp_pub, pub, 1, err, sizeof(err)) < 0) {
		tmp_pub = NULL;
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	tmp_pub = NULL;
	printf("%s: Ed25519 private key (keep it secret)\n", priv);
	printf("%s: public key ", pub);
	for (unsigned i = 0; i < sizeof(raw); i++) {
		printf("%02x", raw[i]);
	}
	printf("\n");
	rc = 0;
out:
	if (tmp_priv) {
		iap_tmp_commit(tmp_priv, priv, 0, err, sizeof(err));
	}
	if (tmp_pub) {
		iap_tmp_commit(tmp_pub, pub, 0, err, sizeof(err));
	}
	BIO_free(bpriv);
	BIO_free(bpub);
	EVP_PKEY_free(key);
	return rc;
}

enum { OPT_PUB = 256, OPT_FORCE };

int iap_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"pub", required_argument, NULL, OPT_PUB},
		{"force", no_argument, NULL, OPT_FORCE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *priv = NULL, *pub = NULL;
	char *dflt = NULL;
	int force = 0, c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			priv = optarg;
			break;
		case OPT_PUB:
			pub = optarg;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case 'h':
			keygen_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'iap keygen --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		return usage_error("unexpected argument '%s'", argv[optind]);
	}
	if (!priv) {
		return usage_error("no output file (-o KEY.pem)");
	}
	if (!pub) {
		dflt = default_pub_name(priv);
		if (!dflt) {
			fprintf(stderr, "iap keygen: out of memory\n");
			return 1;
		}
		pub = dflt;
	}
	if (!strcmp(priv, pub)) {
		free(dflt);
		return usage_error("the public key would replace the private "
				   "key '%s'",
				   priv);
	}
	rc = keygen(priv, pub, force);
	free(dflt);
	return rc;
}
