/*
 * Test helpers, see helper_cli.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "helper_cli.h"

#define ARGV_MAX 48

char out_text[8192], err_text[8192];

static char tmpdir[64];

int cli_setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/iap-cli-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

int cli_teardown(void **state)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	(void)state;
	if (!d) {
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			unlink(tp(e->d_name));
		}
	}
	closedir(d);
	return rmdir(tmpdir);
}

char *tp(const char *name)
{
	static char bufs[6][256];
	static unsigned next;
	char *b = bufs[next++ % 6];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
	return b;
}

void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	assert_true(n < cap);
	fclose(f);
	return n;
}

void slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

int exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

void flip_byte(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	int c;

	assert_non_null(f);
	fseek(f, off, SEEK_SET);
	c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
}

int run(int (*cmd)(int, char **), ...)
{
	char *argv[ARGV_MAX];
	int argc = 0, saved_out, saved_err, fo, fe, rc;
	va_list ap;
	char outp[256], errp[256];

	va_start(ap, cmd);
	for (;;) {
		char *a = va_arg(ap, char *);

		assert_true(argc < ARGV_MAX - 1);
		argv[argc] = a;
		if (!a) {
			break;
		}
		argc++;
	}
	va_end(ap);

	snprintf(outp, sizeof(outp), "%s/stdout.txt", tmpdir);
	snprintf(errp, sizeof(errp), "%s/stderr.txt", tmpdir);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	fo = open(outp, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	fe = open(errp, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	dup2(fo, 1);
	dup2(fe, 2);
	close(fo);
	close(fe);

	rc = cmd(argc, argv);

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(outp, out_text, sizeof(out_text));
	slurp(errp, err_text, sizeof(err_text));
	unlink(outp);
	unlink(errp);
	return rc;
}

void expect_in(const char *text, const char *what)
{
	if (!strstr(text, what)) {
		fail_msg("\"%s\" not in:\n%s", what, text);
	}
}
